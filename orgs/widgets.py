"""A unit picker for hundreds of units: a text box with a <datalist> (it works without JavaScript),
filtered as people type by orgs/static/orgs/unit_picker.js, which folds Vietnamese diacritics so
that "phu" finds "Phú". The server resolves what was typed (a name from the list, a name without
"Xã"/"Phường", or a code) and refuses an unknown unit or one that may not be chosen there."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils.translation import gettext_lazy as _

from .models import ACTIVE_UNITS, CITIZEN_UNIT_KINDS, Unit, UnitKind

# What people leave out when they type a name: "An Phú" for "Xã An Phú".
NAME_PREFIXES = ("xa ", "phuong ", "dac khu ", "thi tran ")
MAX_TYPED = 300  # a name (200) with its district or code


def fold(text: str) -> str:
    """Lower case, without diacritics or repeated spaces: "Xã  An Phú" -> "xa an phu"."""
    text = unicodedata.normalize("NFKD", (text or "").casefold().replace("đ", "d"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def bare_name(key: str) -> str:
    """A folded name without its "xa "/"phuong "/... prefix: "xa an phu" -> "an phu"."""
    for prefix in NAME_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def name_keys(unit: Unit, label: str | None = None) -> set[str]:
    """The folded forms a person may type for a unit: its code, its name, its label (the name
    as a list shows it) alone or with the code, each also without "Xã"/"Phường"."""
    label = unit.name if label is None else label
    keys = {fold(unit.code), fold(unit.name), fold(label), fold(f"{label} ({unit.code})")}
    return keys | {bare_name(key) for key in keys}


def units_named(key: str) -> list[Unit]:
    """Every unit, merged ones included, that the folded `key` names."""
    return [u for u in Unit.objects.all() if key in name_keys(u)]


def successor_among(named: Iterable[Unit], offered: Mapping[int, Unit]) -> Unit | None:
    """The one offered unit that the merged units among `named` became (people type the old
    name of their commune, from before the 1 July 2025 mergers), else None."""
    successors = {u.current().pk for u in named if not u.is_active} & offered.keys()
    return offered[successors.pop()] if len(successors) == 1 else None


class UnitPickerWidget(forms.TextInput):
    template_name = "orgs/unit_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {"autocomplete": "off", "spellcheck": "false", "maxlength": MAX_TYPED}
        super().__init__({**defaults, **(attrs or {})})
        self.choices: Iterable[tuple[ModelChoiceIteratorValue | str, str]] = []

    # Django's widget API: attrs are any HTML attribute values, the context goes to a template.
    def get_context(self, name: str, value: object, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        base_id = widget["attrs"].get("id") or f"id_{name}"
        widget["list_id"] = f"{base_id}_list"
        widget["status_id"] = f"{base_id}_status"
        widget["options"] = _option_labels(self.choices)
        return context


def _option_labels(choices: Iterable[tuple[ModelChoiceIteratorValue | str, str]]) -> list[str]:
    """Labels in folded alphabetical order; two units of the same name get their codes, so that
    each line of the list names one unit."""
    pairs = [
        # django-stubs 5.2 declares no `instance` on ModelChoiceIteratorValue (Django sets it).
        (str(label), cast(Unit, value.instance).code)  # type: ignore[attr-defined]
        for value, label in choices
        if isinstance(value, ModelChoiceIteratorValue)  # not the empty choice ("")
    ]
    seen: dict[str, int] = {}
    for label, _code in pairs:
        seen[label] = seen.get(label, 0) + 1
    labels = [f"{label} ({code})" if seen[label] > 1 else label for label, code in pairs]
    return sorted(labels, key=fold)


class UnitPickerField(forms.ModelChoiceField[Unit]):
    """A unit typed by name or code, among `queryset` (merged units are never offered)."""

    widget = UnitPickerWidget
    default_error_messages = {
        "invalid_choice": _(
            "Không tìm thấy đơn vị “%(value)s”. Hãy gõ vài chữ của tên rồi chọn trong danh sách."
        ),
        "not_offered": _("Không chọn được đơn vị “%(value)s” ở đây."),
        "ambiguous": _("Có nhiều đơn vị tên “%(value)s”; hãy chọn đúng một dòng trong danh sách."),
    }

    # The keyword arguments are ModelChoiceField's own (label, help_text, required, ...).
    def __init__(self, *, queryset: QuerySet[Unit] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", None)
        super().__init__(queryset=Unit.objects.none() if queryset is None else queryset, **kwargs)
        self._district_names: dict[str, str] | None = None

    @property
    def queryset(self) -> QuerySet[Unit] | None:
        return self._queryset

    @queryset.setter
    def queryset(self, queryset: QuerySet[Unit] | None) -> None:
        self._queryset = None if queryset is None else queryset.filter(ACTIVE_UNITS)
        # No fixed choices are ever set on this field: its choices are its queryset's iterator.
        cast(UnitPickerWidget, self.widget).choices = cast(ModelChoiceIterator, self.choices)

    def label_from_instance(self, obj: Unit) -> str:
        # A commune still under a district (a tree not yet re-parented) reads with its district.
        if self._district_names is None:
            self._district_names = dict(
                Unit.objects.filter(kind=UnitKind.DISTRICT).values_list("path", "name")
            )
        district = self._district_names.get(obj.path[: -Unit.steplen])
        return f"{district} — {obj.name}" if district else obj.name

    def prepare_value(self, value: object) -> object:
        if isinstance(value, Unit):
            return self.label_from_instance(value)
        if isinstance(value, int):
            unit = Unit.objects.filter(pk=value).first()
            return self.label_from_instance(unit) if unit else ""
        return value

    def to_python(self, value: object) -> Unit | None:
        typed = " ".join(str(value or "").split())[:MAX_TYPED]
        if typed in self.empty_values:
            return None
        key = fold(typed)
        matches = [u for u in self._offered() if key in name_keys(u, self.label_from_instance(u))]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ValidationError(self.error_messages["ambiguous"], params={"value": typed})
        return self._outside_the_list(typed, key)

    def _outside_the_list(self, typed: str, key: str) -> Unit:
        """A unit merged into one on the list stands for its successor (people type the old
        name of their commune); any other known unit is refused as not offered."""
        known = units_named(key)
        offered = {u.pk: u for u in self._offered()}  # already fetched by to_python
        successor = successor_among(known, offered)
        if successor is not None:
            return successor
        code = "not_offered" if known else "invalid_choice"
        raise ValidationError(self.error_messages[code], params={"value": typed[:80]})

    def _offered(self) -> QuerySet[Unit]:
        return Unit.objects.none() if self.queryset is None else self.queryset

    def has_changed(self, initial: object, data: object) -> bool:
        return str(self.prepare_value(initial) or "") != str(data or "")


class CitizenUnitField(UnitPickerField):
    """Where a citizen lives: a commune, ward or special zone (or a district of an old tree)."""

    default_error_messages = {
        "invalid_choice": _(
            "Không tìm thấy xã, phường hay đặc khu “%(value)s”. Hãy gõ vài chữ của tên (ví dụ "
            "“an phu”) rồi chọn trong danh sách."
        ),
        "not_offered": _("“%(value)s” không phải xã, phường hay đặc khu; hãy chọn nơi bạn sống."),
        "ambiguous": _(
            "Có nhiều xã, phường tên “%(value)s”; hãy chọn đúng một dòng trong danh sách."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Unit.objects.filter(kind__in=CITIZEN_UNIT_KINDS))
        super().__init__(**kwargs)
