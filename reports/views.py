"""The round dashboard and every download: who may read a round's results, and the files.

A round's results are for the leads of its partnership, and for anyone with the explicit
permission to read every partnership's; a team report is for the team and its leads too.
"""

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import User
from accounts.scope import SignedInRequest, scoped_or_404
from assessments.models import Round
from assessments.views import assessment_for

from . import exports, pdf, reports, tasks
from .forms import ReportFilterForm
from .models import ReportFile

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
security = logging.getLogger("imh.security")


def _round_for_reports(user: User, round_id: int) -> Round:
    """A round whose partnership the person leads, or any with the explicit permission."""
    return scoped_or_404(
        Round.objects.reported_to(user).select_related("partnership", "checklist"), round_id
    )


def _report_data(request: SignedInRequest, round_id: int) -> reports.RoundData:
    round_ = _round_for_reports(request.user, round_id)
    form = ReportFilterForm(request.GET or None)
    filters = form.filters() if form.is_valid() else reports.Filters()
    return reports.round_data(round=round_, filters=filters)


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    # File names are built from identifiers only, never from text.
    security.info("download %s", filename)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_name(data: reports.RoundData, what: str) -> str:
    """File names from identifiers only, never from people's text."""
    return f"{what}-partnership-{data.round.partnership_id}-round-{data.round.pk}"


@login_required
def dashboard(request: SignedInRequest, round_id: int) -> HttpResponse:
    data = _report_data(request, round_id)
    return render(
        request,
        "reports/round_dashboard.html",
        {
            "round": data.round,
            "data": data,
            "form": ReportFilterForm(request.GET or None),
            "query": request.GET.urlencode(),
            **reports.round_report(data=data).as_context(),
        },
    )


@login_required
def gap_report_pdf(request: SignedInRequest, round_id: int) -> HttpResponse:
    """The board paper: served at once when the kept one is current; otherwise a render is
    queued and the page says it is being prepared, unless the person chose to wait for it."""
    round_ = _round_for_reports(request.user, round_id)
    form = ReportFilterForm(request.GET or None)
    filters = form.filters() if form.is_valid() else reports.Filters()
    file, _created = ReportFile.objects.get_or_create(round=round_, scope=filters.key)
    ReportFile.objects.filter(pk=file.pk).update(asked_at=timezone.now())
    name = pdf.gap_report_filename(round_=round_, filters=filters)
    if file.is_current(round_):
        return _download(file.pdf(), name, "application/pdf")
    if request.GET.get("wait") == "1":
        return _download(tasks.render(file), name, "application/pdf")
    tasks.queue(file)
    file.refresh_from_db()
    if file.is_current(round_):  # rendered at once (no worker between: tests, or a quick one)
        return _download(file.pdf(), name, "application/pdf")
    if request.GET.get("earlier") == "1" and file.has_pdf:
        # Asked for by name, and it states the time its data was read: never passed off as current.
        return _download(file.pdf(), name, "application/pdf")
    query = request.GET.copy()
    for choice in ("wait", "earlier"):
        query.pop(choice, None)
    return render(
        request,
        "reports/preparing.html",
        {"round": round_, "filters": filters, "query": query.urlencode(), "file": file},
    )


@login_required
def ratings_export(request: SignedInRequest, round_id: int, extension: str) -> HttpResponse:
    data = _report_data(request, round_id)
    name = _export_name(data, "ratings")
    if extension == "xlsx":
        return _download(exports.ratings_xlsx(data=data), f"{name}.xlsx", XLSX)
    return _download(exports.ratings_csv(data=data), f"{name}.csv", "text/csv; charset=utf-8")


@login_required
def summary_export(request: SignedInRequest, round_id: int) -> HttpResponse:
    data = _report_data(request, round_id)
    return _download(
        exports.summary_csv(data=data),
        f"{_export_name(data, 'summary')}.csv",
        "text/csv; charset=utf-8",
    )


@login_required
def workbook_export(request: SignedInRequest, round_id: int) -> HttpResponse:
    data = _report_data(request, round_id)
    return _download(exports.workbook(data=data), f"{_export_name(data, 'workbook')}.xlsx", XLSX)


@login_required
def team_report_pdf(request: SignedInRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request.user, pk)
    return _download(
        pdf.team_report(assessment=assessment),
        pdf.team_report_filename(assessment=assessment),
        "application/pdf",
    )
