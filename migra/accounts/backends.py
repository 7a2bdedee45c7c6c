"""Log in with an email address or a phone number, in any usual spelling."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from migra.accounts.identifiers import find_user_by_login


class EmailOrPhoneBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not username or not password:
            return None
        user = find_user_by_login(username)
        if user is None:
            # Spend the same time as a real check, so timing does not reveal accounts.
            from migra.accounts.models import User

            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
