"""A drills test world on top of orgs.testing's: mail addresses at the allowed domain, a drill
operator and a manager of one commune, a sending profile, the shipped templates, and a helper
that builds a valid plan. Used by the campaign and results tests."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.utils import timezone

from drills.loading import load_drill_templates
from drills.models import Campaign, LandingPage, SendingProfile, Template
from drills.services import CampaignPlan
from orgs.models import Role, RoleAssignment, Unit, User
from orgs.testing import World, _password_hash

ALLOWED_DOMAIN = "canhgiac.test"


@dataclass
class DrillWorld:
    world: World
    profile: SendingProfile
    template: Template
    landing: LandingPage

    def person(self, name: str) -> User:
        return self.world.person(name)

    def unit(self, code: str) -> Unit:
        return self.world.unit(code)

    def plan(
        self, *, unit: str = "P", targets: tuple[str, ...] = ("D1",), **extra: object
    ) -> CampaignPlan:
        start = next_weekday(timezone.localdate() + timedelta(days=1))
        base = CampaignPlan(
            name="Diễn tập quý I",
            unit=self.unit(unit),
            template=self.template,
            landing_page=self.landing,
            sending_profile=self.profile,
            target_units=[self.unit(c) for c in targets],
            chosen_people=[],
            window_start=start,
            window_end=start + timedelta(days=4),
        )
        return replace(base, **extra)  # type: ignore[arg-type]  # test overrides by name


def next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def add_person(world: World, name: str, role: str, code: str, email: str = "") -> User:
    unit = world.unit(code)
    user = User.objects.create(
        username=name,
        password=_password_hash(),
        first_name=name,
        home_unit=unit,
        email=email or f"{name}@{ALLOWED_DOMAIN}",
    )
    RoleAssignment.objects.create(user=user, unit=unit, role=role)
    world.people[name] = user
    return user


def build_drill_world(world: World) -> DrillWorld:
    for user in world.people.values():
        user.email = f"{user.username}@{ALLOWED_DOMAIN}"
        user.save(update_fields=["email"])
    add_person(world, "operator_d1_c1", Role.DRILL_OPERATOR, "D1-C1")
    add_person(world, "manager_d1_c1", Role.UNIT_MANAGER, "D1-C1")
    add_person(world, "manager_province", Role.UNIT_MANAGER, "P")
    add_person(world, "outsider_d1_c1", Role.STAFF, "D1-C1", email="outsider@gmail.com")
    load_drill_templates()
    profile = SendingProfile.objects.create(
        name="Thư diễn tập tỉnh", unit=world.unit("P"), sender_domain="dien-tap.canhgiac.test"
    )
    return DrillWorld(
        world=world,
        profile=profile,
        template=Template.objects.get(slug="it-het-han-mat-khau"),
        landing=LandingPage.objects.get(slug="dang-nhap-thu-cong-vu"),
    )


def sample_campaigns(world: World) -> tuple[Campaign, Campaign]:
    """A draft and a submitted campaign of district D1, prepared by its drill operator (the
    access walk's `drill_operator_d1`), for the generated access test's object samples."""
    from drills.services import prepare_campaign, submit_campaign

    load_drill_templates()
    profile = SendingProfile.objects.create(
        name="Hồ sơ gửi mẫu", unit=world.unit("P"), sender_domain="dien-tap.canhgiac.test"
    )
    start = next_weekday(timezone.localdate() + timedelta(days=1))
    plan = CampaignPlan(
        name="Diễn tập mẫu D1",
        unit=world.unit("D1"),
        template=Template.objects.order_by("pk").first(),  # type: ignore[arg-type]  # loaded above
        landing_page=LandingPage.objects.order_by("pk").first(),  # type: ignore[arg-type]  # same
        sending_profile=profile,
        target_units=[world.unit("D1-C1")],
        chosen_people=[],
        window_start=start,
        window_end=start + timedelta(days=4),
    )
    operator = world.person("drill_operator_d1")
    draft = prepare_campaign(operator=operator, plan=plan)
    submitted = submit_campaign(
        operator=operator, campaign=prepare_campaign(operator=operator, plan=plan)
    )
    return draft, submitted
