from typing import Any, TypeVar

from django import forms
from django.db.models import Model

_M = TypeVar("_M", bound=Model)
_F = TypeVar("_F", bound=MoveNodeForm[Any])

class MoveNodeForm(forms.ModelForm[_M]): ...

def movenodeform_factory(
    model: type[_M], form: type[_F] = ..., exclude: list[str] | None = ..., **kwargs: Any
) -> type[_F]: ...
