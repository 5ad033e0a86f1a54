from django.urls import path

from . import action_views, round_views, views

app_name = "assessments"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("teams/<int:team_id>/rounds/<int:round_id>/", views.team, name="team-round"),
    path("teams/<int:team_id>/rounds/<int:round_id>/start/", views.start, name="start"),
    path("assessments/<int:pk>/", views.assessment_page, name="edit"),
    path("assessments/<int:pk>/sections/<int:section>/", views.section_page, name="section"),
    path("assessments/<int:pk>/copy-last-round/", views.copy_previous, name="copy-previous"),
    path("assessments/<int:pk>/check/", views.check_answers, name="check"),
    path("assessments/<int:pk>/submit/", views.submit, name="submit"),
    path("assessments/<int:pk>/submitted/", views.submitted, name="submitted"),
    path("assessments/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("assessments/<int:pk>/history/", views.history, name="history"),
    path("partnerships/<int:partnership_id>/rounds/", round_views.rounds, name="rounds"),
    path("partnerships/<int:partnership_id>/rounds/new/", round_views.new_round, name="round-new"),
    path("rounds/<int:round_id>/dates/", round_views.round_dates, name="round-dates"),
    path("rounds/<int:round_id>/close/", round_views.close_round, name="round-close"),
    path("rounds/<int:round_id>/reminders/", round_views.reminders, name="reminders"),
    path("rounds/<int:round_id>/remind-now/", round_views.remind_now, name="remind-now"),
    path("rounds/<int:round_id>/actions/", action_views.action_plan, name="action-plan"),
    path("rounds/<int:round_id>/board-paper/", action_views.board_paper, name="board-paper"),
    path(
        "rounds/<int:round_id>/items/<int:item_id>/actions/new/",
        action_views.new_action,
        name="action-new",
    ),
    path("actions/<int:action_id>/", action_views.action_page, name="action"),
    path("actions/<int:action_id>/edit/", action_views.edit_action, name="action-edit"),
    path(
        "reminders/<int:reminder_id>/remove/", round_views.remove_reminder, name="reminder-remove"
    ),
]
