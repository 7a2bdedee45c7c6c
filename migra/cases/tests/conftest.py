"""Fixtures shared by the tests of migra/cases (cases, referrals, tips).

The case fixtures live in case_fixtures.py (cast, people, `bm_case`, `sr_case`,
`abroad` …); add other parts' fixtures below rather than replacing this file.
"""

from migra.cases.tests.case_fixtures import (  # noqa: F401  (fixtures, used by name)
    Cast,
    _pages_in_english,
    abroad,
    as_user,
    bm_case,
    bm_person,
    cast,
    login_as,
    open_case,
    register,
    sr_case,
    sr_person,
    sr_village,
    supervisor,
)
from migra.cases.tests.referral_fixtures import (  # noqa: F401  (fixtures, used by name)
    consent_to,
    lawyer,
    legal_offers,
    sent,
)
from migra.cases.tests.tip_fixtures import (  # noqa: F401  (fixtures, used by name)
    lena,
    make_tip,
    rosa,
    tips,
)
