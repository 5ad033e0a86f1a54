from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("assessments/<int:pk>/team-report.pdf", views.team_report_pdf, name="team-report"),
    path("rounds/<int:round_id>/", views.dashboard, name="dashboard"),
    path("rounds/<int:round_id>/gap-report.pdf", views.gap_report_pdf, name="gap-report"),
    path(
        "rounds/<int:round_id>/ratings.csv",
        views.ratings_export,
        {"extension": "csv"},
        name="ratings-csv",
    ),
    path(
        "rounds/<int:round_id>/ratings.xlsx",
        views.ratings_export,
        {"extension": "xlsx"},
        name="ratings-xlsx",
    ),
    path("rounds/<int:round_id>/summary.csv", views.summary_export, name="summary-export"),
    path("rounds/<int:round_id>/workbook.xlsx", views.workbook_export, name="workbook"),
]
