from django.contrib.auth.base_user import AbstractBaseUser
from django_stubs_ext import StrOrPromise

class OTPAuthenticationFormMixin:
    otp_error_messages: dict[str, StrOrPromise]
    def clean_otp(self, user: AbstractBaseUser | None) -> None: ...
