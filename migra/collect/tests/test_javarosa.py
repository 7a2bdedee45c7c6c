"""The JavaRosa form filler (migra/collect/tests/javarosa.py) on small XLSForms.

The forms are XLSForms in pyxform's markdown layout (the same sheets and columns as the
.xlsx files), compiled with pyxform as uploads are. Each test runs ODK's own form engine;
without Java they are skipped, except in CI where they must run.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree as SafeET
from pyxform.xls2xform import convert

from migra.collect.instances import parse_instance
from migra.collect.tests import javarosa
from migra.collect.tests.javarosa import (
    AnswerRefused,
    ConstraintViolated,
    FormRefused,
    RequiredMissing,
    answers_file,
    fill,
)

UUID = re.compile(r"^uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PHONE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+07:00$")


def xform(markdown: str) -> str:
    """Compile an XLSForm written in pyxform's markdown layout."""
    return convert(xlsform=markdown, file_type=".md").xform


HOUSEHOLD = xform(
    """
| survey |
| | type | name | label::Khmer (km) | label::English (en) | required | constraint | constraint_message::Khmer (km) | constraint_message::English (en) | relevant | calculation | default |
| | text | name | ឈ្មោះ | Name | yes | | | | | | |
| | integer | age | អាយុ | Age | yes | . >= 0 and . < 120 | អាយុពី ០ ដល់ ១១៩ | Age from 0 to 119 | | | |
| | select_one yn | works | ធ្វើការ? | Works? | | | | | | | |
| | text | job | ការងារ | Job | yes | | | | ${works} = 'yes' | | |
| | select_multiple place | went | ទៅ | Went to | | | | | | | |
| | date | left_on | ថ្ងៃចេញ | Left on | | | | | | | |
| | decimal | debt | បំណុល | Debt | | | | | | | |
| | image | photo | រូបថត | Photo | | | | | | | |
| | text | village | ភូមិ | Village | | | | | | | ភូមិអូរធំ |
| | note | hello | សួស្តី | Hello | | | | | | | |
| | calculate | age_months | | | | | | | | ${age} * 12 | |
| | begin repeat | members | សមាជិក | Members | | | | | | | |
| | text | member | ឈ្មោះសមាជិក | Member | | | | | | | |
| | integer | member_age | អាយុ | Member age | | | | | | | |
| | end repeat | | | | | | | | | | |
| | start | start | | | | | | | | | |
| | end | end | | | | | | | | | |
| | deviceid | deviceid | | | | | | | | | |
| | username | username | | | | | | | | | |
| choices |
| | list_name | name | label::Khmer (km) | label::English (en) |
| | yn | yes | បាទ/ចាស | Yes |
| | yn | no | ទេ | No |
| | place | th | ថៃ | Thailand |
| | place | my | ម៉ាឡេស៊ី | Malaysia |
| | place | kr | កូរ៉េ | Korea |
| settings |
| | form_id | version | default_language |
| | household | 2026112501 | Khmer (km) |
"""  # noqa: E501  (an XLSForm row is one line)
)

PLACES = xform(
    """
| survey |
| | type | name | label | required | required_message | choice_filter | calculation |
| | select_one_from_file places.csv | province | Province | yes | Choose the province first | | |
| | select_one_from_file places.csv | district | District | | | parent = ${province} | |
| | calculate | province_name | | | | | pulldata('places', 'label', 'name', ${province}) |
| settings |
| | form_id | version |
| | places_test | 1 |
"""
)
PLACES_CSV = (
    "name,label,parent\n01,បន្ទាយមានជ័យ,\n02,បាត់ដំបង,\n0102,មង្គលបុរី,01\n0201,បាណន់,02\n"
).encode()

NESTED = xform(
    """
| survey |
| | type | name | label | repeat_count |
| | integer | children | Children | |
| | begin repeat | child | Child | ${children} |
| | text | child_name | Name | |
| | begin repeat | school | School | |
| | text | school_name | School | |
| | end repeat | | | |
| | end repeat | | | |
| settings |
| | form_id | version |
| | nested | 1 |
"""
)


def parse(xml: bytes) -> Element:
    return SafeET.fromstring(xml, forbid_dtd=True)


def text(root: Element, path: str) -> str | None:
    node = root.find(path)
    return None if node is None else (node.text or "")


BASE = {"name": "ស្រី ពៅ", "age": "34"}


def test_fills_answers_and_lets_javarosa_compute_the_rest() -> None:
    xml = fill(
        HOUSEHOLD,
        {
            **BASE,
            "works": "yes",
            "job": "កម្មករសំណង់",
            "went": ["th", "kr"],
            "left_on": "2026-03-01",
            "debt": "1250.5",
            "photo": "1764057600123.jpg",
        },
        properties={"username": "gina"},
    )
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8' ?><data ")
    root = parse(xml)
    assert root.tag == "data"
    assert (root.get("id"), root.get("version")) == ("household", "2026112501")
    assert text(root, "name") == "ស្រី ពៅ"
    assert text(root, "works") == "yes"
    assert text(root, "job") == "កម្មករសំណង់"
    assert text(root, "went") == "th kr"
    assert text(root, "left_on") == "2026-03-01"
    assert text(root, "debt") == "1250.5"
    assert text(root, "photo") == "1764057600123.jpg"
    assert text(root, "village") == "ភូមិអូរធំ"  # the form's default, kept
    assert text(root, "age_months") == "408"  # the calculation, by JavaRosa
    assert text(root, "deviceid") == "collect:MigraJavaRosaTest"
    assert text(root, "username") == "gina"
    assert PHONE_TIME.match(text(root, "start") or "")
    assert PHONE_TIME.match(text(root, "end") or "")
    assert UUID.match(text(root, "meta/instanceID") or "")
    # What the OpenRosa server reads from it.
    instance = parse_instance(xml)
    assert (instance.form_id, instance.version) == ("household", "2026112501")
    assert instance.instance_id == text(root, "meta/instanceID")
    assert not instance.encrypted


def test_each_filled_form_gets_its_own_instance_id() -> None:
    first = parse(fill(HOUSEHOLD, BASE))
    second = parse(fill(HOUSEHOLD, BASE))
    assert text(first, "meta/instanceID") != text(second, "meta/instanceID")


def test_questions_that_are_not_relevant_are_left_out_as_collect_does() -> None:
    root = parse(fill(HOUSEHOLD, {**BASE, "works": "no"}))
    assert root.find("job") is None
    assert text(root, "works") == "no"


def test_a_constraint_violation_is_reported_with_the_forms_message() -> None:
    with pytest.raises(ConstraintViolated) as caught:
        fill(HOUSEHOLD, {"name": "x", "age": "130"})
    assert caught.value.path == "age"
    assert caught.value.message == "អាយុពី ០ ដល់ ១១៩"  # the form's default language
    assert caught.value.returncode == 2
    with pytest.raises(ConstraintViolated) as caught:
        fill(HOUSEHOLD, {"name": "x", "age": "-1"}, language="English (en)")
    assert caught.value.message == "Age from 0 to 119"


def test_a_missing_required_answer_is_reported() -> None:
    with pytest.raises(RequiredMissing) as caught:
        fill(HOUSEHOLD, {"age": "34"})
    assert caught.value.path == "name"
    assert caught.value.returncode == 3
    # Required only once relevant.
    with pytest.raises(RequiredMissing) as caught:
        fill(HOUSEHOLD, {**BASE, "works": "yes"})
    assert caught.value.path == "job"
    # An empty answer clears the question: still missing.
    with pytest.raises(RequiredMissing) as caught:
        fill(HOUSEHOLD, {"name": "", "age": "3"})
    assert caught.value.path == "name"


def test_the_forms_required_message_is_reported() -> None:
    with pytest.raises(RequiredMissing) as caught:
        fill(PLACES, {}, media={"places.csv": PLACES_CSV})
    assert (caught.value.path, caught.value.message) == ("province", "Choose the province first")


def test_repeat_instances_are_filled_in_order() -> None:
    root = parse(
        fill(
            HOUSEHOLD,
            {
                **BASE,
                "members[1]/member": "ដារា",
                "members/member_age": "12",  # no index: the first instance
                "members[2]/member": "សុខ",
                "members[4]": "",  # the 3rd and 4th instances, left empty
            },
        )
    )
    members = root.findall("members")
    assert [text(m, "member") for m in members] == ["ដារា", "សុខ", "", ""]
    assert [text(m, "member_age") for m in members] == ["12", "", "", ""]


def test_repeat_count_and_nested_repeats() -> None:
    root = parse(
        fill(
            NESTED,
            {
                "children": "2",
                "child[1]/child_name": "A",
                "child[2]/child_name": "B",
                "child[2]/school[2]/school_name": "Wat school",
            },
        )
    )
    children = root.findall("child")
    assert [text(c, "child_name") for c in children] == ["A", "B"]
    assert [text(s, "school_name") for s in children[1].findall("school")] == ["", "Wat school"]
    # A third child is not asked for when the count says two.
    with pytest.raises(AnswerRefused) as caught:
        fill(NESTED, {"children": "2", "child[3]/child_name": "C"})
    assert caught.value.path == "child[3]/child_name"


def test_choices_come_from_form_media_with_their_filter_and_pulldata() -> None:
    media = {"places.csv": PLACES_CSV}
    root = parse(fill(PLACES, {"province": "01", "district": "0102"}, media=media))
    assert (text(root, "province"), text(root, "district")) == ("01", "0102")
    assert text(root, "province_name") == "បន្ទាយមានជ័យ"
    # A district of another province is not offered once the province is chosen.
    with pytest.raises(AnswerRefused) as caught:
        fill(PLACES, {"province": "01", "district": "0201"}, media=media)
    assert caught.value.path == "district"
    # Without the media file the form cannot start, as on a phone without it.
    with pytest.raises(FormRefused):
        fill(PLACES, {"province": "01"})


@pytest.mark.parametrize(
    ("answers", "path"),
    [
        ({"works": "maybe"}, "works"),  # not a choice
        ({"went": ["th", "fr"]}, "went"),
        ({"age": "thirty"}, "age"),
        ({"age": "3.5"}, "age"),
        ({"debt": "1,5"}, "debt"),
        ({"left_on": "2026-02-30"}, "left_on"),
        ({"nickname": "x"}, "nickname"),  # no such question
        ({"age_months": "1"}, "age_months"),  # a calculation, not a question
        ({"hello": "x"}, "hello"),  # a note is read-only
        ({"works": "no", "job": "x"}, "job"),  # not relevant
        ({"meta/instanceID": "uuid:mine"}, "meta/instanceID"),
        ({"members[0]/member": "x"}, "members[0]/member"),
    ],
)
def test_answers_javarosa_would_not_take_are_refused(answers: dict[str, str], path: str) -> None:
    with pytest.raises(AnswerRefused) as caught:
        fill(HOUSEHOLD, {**BASE, **answers})
    assert caught.value.path == path
    assert caught.value.returncode == 4


def test_text_keeps_newlines_backslashes_and_khmer_and_may_be_long() -> None:
    value = "ជួរទី១\nline\\n two\r\n\\\u200bចប់"
    root = parse(fill(HOUSEHOLD, {**BASE, "job": value, "works": "yes"}))
    # XML parsers turn \r\n into \n; everything else comes back as typed.
    assert text(root, "job") == value.replace("\r\n", "\n")
    long_text = "ក" * 100_000
    root = parse(fill(HOUSEHOLD, {**BASE, "name": long_text}))
    assert text(root, "name") == long_text


@pytest.mark.parametrize(
    "answers",
    [
        {"a=b": "x"},
        {"a\nb": "x"},
        {"": "x"},
        {"went": ["th kr"]},
        {"went": [""]},
    ],
)
def test_malformed_answers_are_refused_before_java(answers: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        answers_file(answers)  # type: ignore[arg-type]


def test_answers_of_other_types_are_refused() -> None:
    with pytest.raises(TypeError):
        answers_file({"age": 34})  # type: ignore[dict-item]


@pytest.mark.parametrize("name", ["../places.csv", "/etc/passwd", "a/b.csv", ".hidden", ""])
def test_media_names_that_leave_the_folder_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        fill(PLACES, {"province": "01"}, media={name: PLACES_CSV})


def test_a_broken_form_is_refused() -> None:
    with pytest.raises(FormRefused) as caught:
        fill("<h:html", BASE)
    assert caught.value.returncode == 5


def test_entities_in_a_hostile_form_are_not_expanded() -> None:
    external = HOUSEHOLD.replace(
        '<?xml version="1.0"?>',
        '<?xml version="1.0"?><!DOCTYPE h:html [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    ).replace("<name/>", "<name>&x;</name>", 1)
    laughs = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))
    billion = HOUSEHOLD.replace(
        '<?xml version="1.0"?>',
        f'<?xml version="1.0"?><!DOCTYPE h:html [<!ENTITY e0 "lol">{laughs}]>',
    ).replace("<name/>", "<name>&e9;</name>", 1)
    for hostile in (external, billion):
        # The entity is dropped, never read or expanded: the name stays unanswered.
        with pytest.raises(RequiredMissing) as caught:
            fill(hostile, {"age": "3"})
        assert caught.value.path == "name"


def test_forms_are_filled_concurrently_without_mixing() -> None:
    names = ["ក", "ខ", "គ", "ឃ"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: fill(HOUSEHOLD, {"name": n, "age": "1"}), names))
    roots = [parse(xml) for xml in results]
    assert [text(root, "name") for root in roots] == names
    assert len({text(root, "meta/instanceID") for root in roots}) == 4


def test_without_java_tests_skip_locally_but_fail_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(javarosa.shutil, "which", lambda tool: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        javarosa.java_or_skip()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(RuntimeError):
        javarosa.java_or_skip()
