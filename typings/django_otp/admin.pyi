from django import forms
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django_otp.forms import OTPAuthenticationFormMixin

class OTPAdminAuthenticationForm(AdminAuthenticationForm, OTPAuthenticationFormMixin):
    otp_device: forms.CharField
    otp_token: forms.CharField
    otp_challenge: forms.CharField

class OTPAdminSite(AdminSite): ...
