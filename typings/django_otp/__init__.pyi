# Type information for the parts of django-otp the project uses (the package ships none). The
# device models (django_otp.models, django_otp.plugins.*) are not described: they stay untyped.
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

DEVICE_ID_SESSION_KEY: str

# A device is any of django-otp's Device models (untyped, hence Any).
def login(request: HttpRequest, device: Any) -> None: ...
def user_has_device(
    user: AbstractBaseUser | AnonymousUser, confirmed: bool | None = ...
) -> bool: ...
def devices_for_user(
    user: AbstractBaseUser | AnonymousUser, confirmed: bool | None = ..., for_verify: bool = ...
) -> Iterator[Any]: ...
