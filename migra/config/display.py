"""Per-request display preferences that template filters need but cannot ask for.

A template filter sees only its value, not the request. The Khmer-digits preference
(User.khmer_digits) is therefore kept for the length of a request in a context
variable, like Django keeps the active language: DisplayPreferencesMiddleware sets it
from the logged-in user, `khmer_digits_active()` reads it, and `override_khmer_digits`
sets it for a block of code (tests, e-mails, exports).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_khmer_digits: ContextVar[bool] = ContextVar("migra_khmer_digits", default=False)


def khmer_digits_active() -> bool:
    """Whether the person being served asked for Khmer digits (០១២…)."""
    return _khmer_digits.get()


@contextmanager
def override_khmer_digits(enabled: bool) -> Iterator[None]:
    token = _khmer_digits.set(enabled)
    try:
        yield
    finally:
        _khmer_digits.reset(token)


def khmer_digits_for(request: HttpRequest) -> bool:
    """The preference of the logged-in user; anonymous visitors get Arabic digits."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return bool(getattr(user, "khmer_digits", False))


class DisplayPreferencesMiddleware:
    """Put the user's display preferences in place for the rest of the request.

    Goes after AuthenticationMiddleware (and the idle-session check, so a user logged
    out for inactivity is seen as anonymous).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with override_khmer_digits(khmer_digits_for(request)):
            return self.get_response(request)
