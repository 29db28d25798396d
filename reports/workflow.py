"""The verification workflow: listing and delisting under the four-eyes rule, single-verifier
decisions, merging and splitting cases, and appeals. (Submission, case figures and the retention
purge are in services.py; both modules are the reports app's services.)"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from detection.lookalike import (
    DEEP_LINK_PLATFORMS,
    FREE_HOSTING,
    PATH_SITE_BUILDERS,
    SHORTENERS,
)
from detection.models import LabelledMessage
from detection.services import label_message
from indicators.allowlist import Allowlist, shipped_allowlist
from indicators.kinds import Kind
from indicators.matcher import get_matcher
from indicators.models import AllowedName, Category, Indicator, Risk, Status
from indicators.normalise import normalise, to_kind
from indicators.services import delist_indicator, list_indicator, record_indicator
from indicators.social import PLATFORM_HOSTS
from indicators.urlcanon import canonical_parts, public_suffix
from orgs.models import Unit, User

from .audit import record_event
from .evidence import CleanFile
from .models import (
    Appeal,
    AppealStatus,
    AuditAction,
    Case,
    CaseIndicator,
    CaseNote,
    CaseStatus,
    ListingProposal,
    ProposalAction,
    ProposalStatus,
    Report,
    new_tracking_code,
)
from .services import (
    FINAL_STATUSES,
    WorkflowError,
    _case_indicators,
    _case_of,
    _close_if_decided,
    _discard_files,
    _mark_under_review,
    _reason,
    _require_open,
    _require_verifier,
    _save_files,
    _set_case_status,
    appeal_days,
    refresh_case,
    root_unit,
)

MAX_PUBLIC_REASON = 1000


class IndicatorState(TypedDict):
    """An indicator's listing as the audit log records it, before and after a decision."""

    status: str
    category: str
    risk: str
    expires_at: str | None


def _indicator_state(indicator: Indicator) -> IndicatorState:
    return {
        "status": indicator.status,
        "category": indicator.category,
        "risk": indicator.risk,
        "expires_at": indicator.expires_at.isoformat() if indicator.expires_at else None,
    }


def _public_reason(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(
            _("Hãy ghi lý do công bố (bằng tiếng Việt, người dân sẽ đọc lý do này).")
        )
    if len(text) > MAX_PUBLIC_REASON:
        raise WorkflowError(
            _("Lý do công bố quá dài (tối đa %(n)d ký tự).") % {"n": MAX_PUBLIC_REASON}
        )
    return text


# --- listing level ---------------------------------------------------------------------------


class Level(models.TextChoices):
    """How far listing a URL reaches. At domain level the proposal also lists the domain
    indicator of the URL's exact host (as the site named it: "vcb.secure-login.xyz", not
    "secure-login.xyz"), which the DNS feeds carry with every name under it."""

    DOMAIN = "domain", gettext_lazy("Cả tên miền")
    URL = "url", gettext_lazy("Chỉ đường dẫn này")


# Hosts that many unrelated people publish on: listing one as a whole would block them all.
# The allowlist names most of them; these lists keep them URL-only even if it is edited.
_SHARED_HOSTS = (
    frozenset(PLATFORM_HOSTS) | FREE_HOSTING | PATH_SITE_BUILDERS | SHORTENERS | DEEP_LINK_PLATFORMS
)


@dataclass(frozen=True)
class LevelChoice:
    indicator: Indicator  # a URL indicator
    domain: str | None  # what a domain-level listing lists; None: URL level only
    default: str  # a Level


def current_allowlist() -> Allowlist:
    """The shipped never-block names and those verifiers added."""
    return shipped_allowlist().with_names(
        AllowedName.objects.values_list("name", "include_subdomains")
    )


def host_domain(url: str) -> str | None:
    """The canonical domain of a URL's host; None for an IP address or a bad name."""
    parts = canonical_parts(url)
    if parts.is_ip:
        return None
    try:
        return normalise(Kind.DOMAIN, parts.host)
    except ValueError:
        return None


def listing_domain(url: str, allowlist: Allowlist) -> str | None:
    """The domain a domain-level listing of this URL lists, or None when only the URL may be
    listed: an IP address, an allowlisted name, a shared platform or a public suffix."""
    domain = host_domain(url)
    if domain is None or domain in _SHARED_HOSTS or domain.removeprefix("www.") in _SHARED_HOSTS:
        return None
    if allowlist.covers(domain) or public_suffix(domain) in (None, domain):
        return None
    return domain


def level_choices(indicators: Iterable[Indicator]) -> list[LevelChoice]:
    """For each URL indicator, the domain it could be listed with and the default level: the
    domain when the URL names a site's home ("http://host/", nothing after the slash)."""
    allowlist = current_allowlist()
    choices = []
    for indicator in indicators:
        if indicator.kind != Kind.URL:
            continue
        domain = listing_domain(indicator.value, allowlist)
        parts = canonical_parts(indicator.value)
        home = parts.path == "/" and parts.query is None
        default = Level.DOMAIN if domain is not None and home else Level.URL
        choices.append(LevelChoice(indicator, domain, default))
    return choices


def _chosen_levels(
    case: Case, chosen: list[Indicator], levels: Mapping[int, str]
) -> tuple[dict[int, str], dict[int, Indicator]]:
    """(level by URL indicator id, domain indicator by URL indicator id) for a proposal: the
    level asked for, or the default; refused when a shared or official host is asked for."""
    by_url: dict[int, str] = {}
    domains: dict[int, Indicator] = {}
    for choice in level_choices(chosen):
        pk = choice.indicator.pk
        level = levels.get(pk) or choice.default
        if level not in Level.values:
            raise WorkflowError(_("Hãy chọn mức đưa vào danh sách: cả tên miền hay chỉ đường dẫn."))
        if level == Level.DOMAIN and choice.domain is None:
            raise WorkflowError(
                _(
                    "“%(url)s” thuộc một tên miền dùng chung hoặc chính thức (hoặc là địa chỉ IP): "
                    "chỉ đưa được đường dẫn này vào danh sách, không đưa cả tên miền."
                )
                % {"url": choice.indicator.value[:200]}
            )
        by_url[pk] = level
        if level == Level.DOMAIN and choice.domain is not None:  # None refused just above
            domains[pk] = record_indicator(
                kind=Kind.DOMAIN, value=choice.domain, source=f"Hồ sơ tố giác #{case.pk}"
            )
    return by_url, domains


def proposal_levels(indicators: Iterable[Indicator]) -> dict[int, str]:
    """The level of each URL indicator of a listing proposal (its indicators given): domain
    when the proposal lists its host's domain too. The proposal's indicators are the record
    of its level, so the second verifier confirms exactly what the first proposed."""
    indicators = list(indicators)
    domains = {i.value for i in indicators if i.kind == Kind.DOMAIN}
    return {
        i.pk: Level.DOMAIN if host_domain(i.value) in domains else Level.URL
        for i in indicators
        if i.kind == Kind.URL
    }


# --- four eyes -------------------------------------------------------------------------------


def propose_listing(
    *,
    case: Case,
    verifier: User,
    category: str,
    risk: str,
    public_reason: str,
    expires_at: datetime | None = None,
    indicators: Iterable[Indicator] | None = None,
    levels: Mapping[int, str] | None = None,
) -> ListingProposal:
    """First pair of eyes: propose to list the case's indicators (all not yet listed, or those
    chosen). Another verifier confirms with confirm_listing / confirm_proposal.

    levels: Level by URL indicator id (missing: level_choices' default). At domain level the
    domain indicator of the URL's host joins the proposal (and the case, once confirmed)."""
    _require_verifier(verifier, case.unit)
    _require_open(case)
    if category not in Category.values:
        raise WorkflowError(_("Hãy chọn phân loại."))
    if risk not in Risk.values:
        raise WorkflowError(_("Hãy chọn mức rủi ro."))
    if expires_at is not None and expires_at <= timezone.now():
        raise WorkflowError(_("Thời điểm hết hạn phải ở tương lai."))
    chosen = _case_indicators(case, indicators)
    if indicators is None:
        chosen = [i for i in chosen if i.status != Status.LISTED]
    if not chosen:
        raise WorkflowError(_("Hồ sơ không có dấu hiệu nào để đưa vào danh sách."))
    with transaction.atomic():
        by_url, domains = _chosen_levels(case, chosen, levels or {})
        proposal = ListingProposal.objects.create(
            case=case,
            action=ProposalAction.LIST,
            category=category,
            risk=risk,
            public_reason=_public_reason(public_reason),
            expires_at=expires_at,
            proposed_by=verifier,
        )
        proposal.indicators.set([*chosen, *domains.values()])
        _mark_under_review(chosen, actor=verifier, case=case)
        record_event(
            actor=verifier,
            action=AuditAction.PROPOSED,
            case=case,
            after={
                "proposal": proposal.pk,
                "action": ProposalAction.LIST,
                "indicators": [i.pk for i in chosen],
                "levels": {str(pk): level for pk, level in by_url.items()},
                "domains": {str(pk): {"id": d.pk, "value": d.value} for pk, d in domains.items()},
                "category": category,
                "risk": risk,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
            reason=proposal.public_reason,
        )
    return proposal


def propose_delisting(
    *,
    verifier: User,
    public_reason: str,
    case: Case | None = None,
    appeal: Appeal | None = None,
    indicators: Iterable[Indicator] | None = None,
) -> ListingProposal:
    """First pair of eyes for taking listed indicators off the list: from a case, or to uphold
    an appeal (then the appeal's indicator, with what a domain-level listing listed with it)."""
    if appeal is not None:
        _require_verifier(verifier, appeal.unit)
        if appeal.status != AppealStatus.RECEIVED:
            raise WorkflowError(_("Khiếu nại này đã có kết quả."))
        # Shown in the case's history too, when a case holds the indicator.
        case = _case_of(appeal.indicator)
        chosen = _listed_together(case, appeal.indicator)
    elif case is not None:
        _require_verifier(verifier, case.unit)
        _require_open(case)
        chosen = _case_indicators(case, indicators)
        if indicators is None:
            chosen = [i for i in chosen if i.status == Status.LISTED]
    else:
        raise WorkflowError(_("Đề xuất gỡ phải gắn với một hồ sơ hoặc một khiếu nại."))
    if not chosen or any(i.status != Status.LISTED for i in chosen):
        raise WorkflowError(_("Chỉ đề xuất gỡ được dấu hiệu đang nằm trong danh sách."))
    with transaction.atomic():
        proposal = ListingProposal.objects.create(
            case=case,
            appeal=appeal,
            action=ProposalAction.DELIST,
            public_reason=_public_reason(public_reason),
            proposed_by=verifier,
        )
        proposal.indicators.set(chosen)
        record_event(
            actor=verifier,
            action=AuditAction.PROPOSED,
            case=case,
            appeal=appeal,
            after={
                "proposal": proposal.pk,
                "action": ProposalAction.DELIST,
                "indicators": [i.pk for i in chosen],
            },
            reason=proposal.public_reason,
        )
    return proposal


def _listed_together(case: Case | None, indicator: Indicator) -> list[Indicator]:
    """An appealed listing and what a domain-level listing listed with it in its case (a URL's
    domain, a domain's URLs): upheld, the appealed value must no longer show as listed."""
    if case is None or indicator.kind not in (Kind.URL, Kind.DOMAIN):
        return [indicator]
    domain = indicator.value if indicator.kind == Kind.DOMAIN else host_domain(indicator.value)
    others = case.indicators.filter(status=Status.LISTED).exclude(pk=indicator.pk)
    if indicator.kind == Kind.URL:
        return [indicator, *others.filter(kind=Kind.DOMAIN, value=domain)]
    urls = [i for i in others.filter(kind=Kind.URL) if host_domain(i.value) == domain]
    return [indicator, *urls]


def _proposal_unit(proposal: ListingProposal) -> Unit:
    owner = proposal.appeal if proposal.appeal_id else proposal.case
    if owner is None:  # propose_delisting and propose_listing never make one
        raise WorkflowError(_("Đề xuất không gắn với hồ sơ hay khiếu nại nào."))
    return owner.unit


def _settle(proposal: ListingProposal, status: str, verifier: User) -> ListingProposal:
    """Lock the proposal and record its decision; refused when someone decided it meanwhile.
    Call inside a transaction."""
    proposal = ListingProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PENDING:
        raise WorkflowError(_("Đề xuất này đã được xử lý."))
    proposal.status = status
    proposal.decided_by = verifier
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return proposal


def confirm_proposal(*, proposal: ListingProposal, verifier: User) -> ListingProposal:
    """Second pair of eyes: a different verifier confirms, and the list changes (through the
    indicators app, which versions the list)."""
    _require_verifier(verifier, _proposal_unit(proposal))
    if proposal.proposed_by_id == verifier.pk:
        raise WorkflowError(
            _(
                "Bạn đã đề xuất việc này nên không thể tự xác nhận: cần một xác minh viên khác "
                "(nguyên tắc bốn mắt)."
            )
        )
    with transaction.atomic():
        proposal = _settle(proposal, ProposalStatus.CONFIRMED, verifier)
        indicators = list(proposal.indicators.all())
        levels = proposal_levels(indicators) if proposal.action == ProposalAction.LIST else {}
        for indicator in indicators:
            _apply_confirmed(proposal, indicator, level=levels.get(indicator.pk), verifier=verifier)
        case, appeal = proposal.case, proposal.appeal
        if case is not None and levels:
            _join_case(case, indicators)
        if appeal is not None:
            _decide_appeal(
                appeal,
                status=AppealStatus.DELISTED,
                verifier=verifier,
                reason=proposal.public_reason,
                action=AuditAction.APPEAL_UPHELD,
            )
        if case is not None and proposal.action == ProposalAction.LIST:
            _teach_detector(case, verifier)
        if case is not None:
            _close_if_decided(case, verifier)
    return proposal


def _apply_confirmed(
    proposal: ListingProposal, indicator: Indicator, *, level: str | None, verifier: User
) -> None:
    """List or delist one indicator of a confirmed proposal, and record it (with the level of
    a URL listed at domain or URL level)."""
    before = _indicator_state(indicator)
    if proposal.action == ProposalAction.LIST:
        after = list_indicator(
            kind=indicator.kind,
            value=indicator.value,
            category=proposal.category,
            risk=proposal.risk,
            public_reason=proposal.public_reason,
            source=f"Xác minh hồ sơ tố giác #{proposal.case_id}",
            expires_at=proposal.expires_at,
        )
    else:
        after = (
            delist_indicator(
                kind=indicator.kind,
                value=indicator.value,
                status=Status.CLEARED,
                public_reason=proposal.public_reason,
            )
            or indicator
        )  # None: no such indicator, which a proposal's own cannot be
    record_event(
        actor=verifier,
        action=AuditAction.CONFIRMED,
        case=proposal.case,
        appeal=proposal.appeal,
        indicator=indicator,
        before=before,
        after={
            **_indicator_state(after),
            "proposal": proposal.pk,
            **({"level": level} if level is not None else {}),
        },
        reason=proposal.public_reason,
    )


def _join_case(case: Case, indicators: list[Indicator]) -> None:
    """The domains listed for URLs of the case join the case (unless another case holds them):
    delisting the case's listings, and appeals against them, then find them there."""
    held = set(
        CaseIndicator.objects.filter(indicator__in=indicators).values_list(
            "indicator_id", flat=True
        )
    )
    CaseIndicator.objects.bulk_create(
        [CaseIndicator(case=case, indicator=i) for i in indicators if i.pk not in held],
        ignore_conflicts=True,
    )


def _teach_detector(case: Case, verifier: User) -> None:
    """Messages of a case confirmed as a scam become labelled examples for the next
    `manage.py train_detector` (each report once)."""
    reports = list(case.reports.exclude(message_text=""))
    sources = [f"report:{report.pk}" for report in reports]
    done = set(LabelledMessage.objects.filter(source__in=sources).values_list("source", flat=True))
    for report, source in zip(reports, sources, strict=True):
        if source not in done:
            label_message(
                content=report.message_text[:5000],
                label=1,
                labelled_by=verifier,
                scam_type=report.scam_type,
                source=source,
            )


def confirm_listing(*, case: Case, verifier: User) -> ListingProposal:
    """Confirm the case's pending listing proposal (the latest one)."""
    proposal = case.proposals.filter(
        status=ProposalStatus.PENDING, action=ProposalAction.LIST
    ).first()
    if proposal is None:
        raise WorkflowError(_("Hồ sơ không có đề xuất nào đang chờ xác nhận."))
    return confirm_proposal(proposal=proposal, verifier=verifier)


def reject_proposal(*, proposal: ListingProposal, verifier: User, reason: str) -> ListingProposal:
    """Turn a proposal down (the proposer may also withdraw it this way)."""
    _require_verifier(verifier, _proposal_unit(proposal))
    reason = _reason(reason)
    with transaction.atomic():
        proposal = _settle(proposal, ProposalStatus.REJECTED, verifier)
        record_event(
            actor=verifier,
            action=AuditAction.PROPOSAL_REJECTED,
            case=proposal.case,
            appeal=proposal.appeal,
            before={"proposal": proposal.pk, "status": ProposalStatus.PENDING},
            after={"proposal": proposal.pk, "status": ProposalStatus.REJECTED},
            reason=reason,
        )
    return proposal


def decide_indicators(
    *,
    case: Case,
    verifier: User,
    status: str,
    reason: str,
    indicators: Iterable[Indicator | int] | None = None,
) -> list[Indicator]:
    """One verifier concludes "not a scam" (cleared) or "insufficient evidence" for indicators
    that are not listed; this changes no list. Listed ones need a delisting proposal."""
    _require_verifier(verifier, case.unit)
    _require_open(case)
    if status not in (Status.CLEARED, Status.INSUFFICIENT_EVIDENCE):
        raise WorkflowError(_("Kết luận phải là “không phải lừa đảo” hoặc “chưa đủ bằng chứng”."))
    reason = _reason(reason)
    chosen = _case_indicators(case, indicators)
    if indicators is None:  # all that have no conclusion yet
        chosen = [i for i in chosen if i.status not in FINAL_STATUSES]
    if not chosen:
        raise WorkflowError(_("Hồ sơ không có dấu hiệu nào để kết luận."))
    if any(i.status == Status.LISTED for i in chosen):
        raise WorkflowError(
            _(
                "Dấu hiệu đang nằm trong danh sách: gỡ xuống cần đề xuất và một xác minh viên khác "
                "xác nhận."
            )
        )
    done: list[Indicator] = []
    with transaction.atomic():
        for indicator in chosen:
            before = _indicator_state(indicator)
            after = (
                delist_indicator(kind=indicator.kind, value=indicator.value, status=status)
                or indicator  # None: no such indicator, which a case's own cannot be
            )
            record_event(
                actor=verifier,
                action=AuditAction.DECIDED,
                case=case,
                indicator=indicator,
                before=before,
                after=_indicator_state(after),
                reason=reason,
            )
            done.append(after)
        _close_if_decided(case, verifier)
    return done


# --- merge and split -------------------------------------------------------------------------


def merge_cases(*, target: Case, source: Case, verifier: User, reason: str) -> Case:
    """Move everything of `source` (indicators, reports, notes, pending proposals) into
    `target`; `source` stays as a pointer ("merged into #target") for the record."""
    _require_verifier(verifier, target.unit)
    _require_verifier(verifier, source.unit)
    _require_open(target)
    _require_open(source)
    if target.pk == source.pk:
        raise WorkflowError(_("Không thể gộp một hồ sơ vào chính nó."))
    reason = _reason(reason)
    with transaction.atomic():
        moved = list(source.case_indicators.values_list("indicator_id", flat=True))
        moved_reports = list(source.reports.values_list("pk", flat=True))
        CaseIndicator.objects.filter(case=source).update(case=target)
        target.reports.add(*moved_reports)
        source.reports.clear()
        CaseNote.objects.filter(case=source).update(case=target)
        ListingProposal.objects.filter(case=source).update(case=target)
        source.merged_into = target
        source.status = CaseStatus.MERGED
        source.closed_at = timezone.now()
        source.save(update_fields=["merged_into", "status", "closed_at"])
        refresh_case(source)
        if target.status == CaseStatus.CLOSED:
            _set_case_status(target, CaseStatus.OPEN, actor=verifier, reason=reason)
        refresh_case(target)
        for case in (target, source):
            record_event(
                actor=verifier,
                action=AuditAction.MERGED,
                case=case,
                after={
                    "target": target.pk,
                    "source": source.pk,
                    "indicators": moved,
                    "reports": moved_reports,
                },
                reason=reason,
            )
    return target


def split_case(
    *,
    case: Case,
    verifier: User,
    reason: str,
    indicators: Iterable[Indicator | int] = (),
    reports: Iterable[Report | int] = (),
) -> Case:
    """Move some indicators and/or reports into a new case. Indicators take along every report
    that names them; a chosen report moves too, and stays in the old case only while it names
    an indicator that stays there."""
    _require_verifier(verifier, case.unit)
    _require_open(case)
    reason = _reason(reason)
    own_indicators = {i.pk: i for i in case.indicators.all()}
    own_reports = {r.pk: r for r in case.reports.prefetch_related("indicators")}
    moving_ind = {i if isinstance(i, int) else i.pk for i in indicators}
    chosen_reports = {r if isinstance(r, int) else r.pk for r in reports}
    if not moving_ind and not chosen_reports:
        raise WorkflowError(_("Hãy chọn dấu hiệu hoặc tố giác cần tách."))
    if not moving_ind <= own_indicators.keys() or not chosen_reports <= own_reports.keys():
        raise WorkflowError(_("Chỉ tách được dấu hiệu và tố giác của chính hồ sơ này."))
    if case.proposals.filter(status=ProposalStatus.PENDING, indicators__in=moving_ind).exists():
        raise WorkflowError(_("Hãy xử lý đề xuất đang chờ của các dấu hiệu này trước khi tách."))
    staying_ind = own_indicators.keys() - moving_ind
    to_new, leave_old = set(chosen_reports), set[int]()
    for pk, report in own_reports.items():
        named = {i.pk for i in report.indicators.all()}
        if named & moving_ind:
            to_new.add(pk)
        if pk in to_new and not (named & staying_ind):
            leave_old.add(pk)
    if leave_old == own_reports.keys() and not staying_ind:
        raise WorkflowError(_("Không thể tách toàn bộ hồ sơ: hãy để lại ít nhất một phần."))
    with transaction.atomic():
        new = Case.objects.create(unit=case.unit)
        CaseIndicator.objects.filter(case=case, indicator_id__in=moving_ind).update(case=new)
        new.reports.add(*to_new)
        case.reports.remove(*leave_old)
        refresh_case(new)
        refresh_case(case)
        after = {
            "source": case.pk,
            "new_case": new.pk,
            "indicators": sorted(moving_ind),
            "reports": sorted(to_new),
        }
        for target in (case, new):
            record_event(
                actor=verifier, action=AuditAction.SPLIT, case=target, after=after, reason=reason
            )
    return new


# --- appeals ---------------------------------------------------------------------------------


def listed_indicator_for(kind: str, value: str) -> Indicator:
    """The listed indicator that makes this value show as listed; WorkflowError if none."""
    try:
        verdict = get_matcher(refresh=True).check(to_kind(kind), value)
    except ValueError as error:
        raise WorkflowError(str(error)) from None
    if not verdict.listed or verdict.matched_pk is None:
        raise WorkflowError(
            _("Giá trị này hiện không nằm trong danh sách cảnh báo, nên không cần khiếu nại.")
        )
    return Indicator.objects.get(pk=verdict.matched_pk)


def file_appeal(
    *,
    kind: str,
    value: str,
    owner_name: str,
    owner_contact: str,
    explanation: str,
    files: list[CleanFile],
) -> Appeal:
    """The owner of a listed value asks for delisting. Verifiers of the unit of the case that
    listed it (or of the province, for imported listings) answer before the deadline."""
    kind = to_kind(kind)
    normalise(kind, value)  # ValueError with the reason when the value is malformed
    indicator = listed_indicator_for(kind, value)
    link = CaseIndicator.objects.select_related("case__unit").filter(indicator=indicator).first()
    unit = link.case.unit if link else root_unit()
    if unit is None:
        raise WorkflowError(_("Hệ thống chưa có cây đơn vị."))
    saved: list[str] = []
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                tracking_code=new_tracking_code(),
                kind=kind,
                value=value[:2048],
                indicator=indicator,
                unit=unit,
                owner_name=owner_name,
                owner_contact=owner_contact,
                explanation=explanation,
                deadline=timezone.now() + timedelta(days=appeal_days()),
            )
            _save_files(files, saved, appeal=appeal)
    except BaseException:
        _discard_files(saved)
        raise
    return appeal


def _decide_appeal(
    appeal: Appeal, *, status: str, verifier: User, reason: str, action: str
) -> None:
    before = appeal.status
    appeal.status = status
    appeal.decision_reason = reason
    appeal.decided_by = verifier
    appeal.decided_at = timezone.now()
    appeal.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    record_event(
        actor=verifier,
        action=action,
        appeal=appeal,
        indicator=appeal.indicator,
        before={"status": before},
        after={"status": status},
        reason=reason,
    )


def reject_appeal(*, appeal: Appeal, verifier: User, reason: str) -> Appeal:
    """Keep the listing. One verifier may decide this: the list does not change."""
    _require_verifier(verifier, appeal.unit)
    if appeal.status != AppealStatus.RECEIVED:
        raise WorkflowError(_("Khiếu nại này đã có kết quả."))
    reason = _public_reason(reason)
    with transaction.atomic():
        for proposal in appeal.proposals.filter(status=ProposalStatus.PENDING):
            reject_proposal(proposal=proposal, verifier=verifier, reason=reason)
        _decide_appeal(
            appeal,
            status=AppealStatus.REJECTED,
            verifier=verifier,
            reason=reason,
            action=AuditAction.APPEAL_REJECTED,
        )
    return appeal
