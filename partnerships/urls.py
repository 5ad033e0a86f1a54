from django.urls import path

from . import views

app_name = "partnerships"

urlpatterns = [
    path(
        "partnerships/<int:partnership_id>/invitations/",
        views.invitations,
        name="invitations",
    ),
    path("partnerships/<int:partnership_id>/invite/", views.invite, name="invite"),
    path("invitations/<int:pk>/resend/", views.resend_invitation, name="resend"),
    path("invitations/<int:pk>/withdraw/", views.withdraw_invitation, name="withdraw"),
    path("join/<str:token>/", views.join, name="accept"),
    path(
        "partnerships/<int:partnership_id>/people/import/",
        views.import_people,
        name="import-people",
    ),
    path("people-imports/<int:pk>/", views.import_preview, name="import-preview"),
    path("people-imports/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path(
        "people-template.xlsx",
        views.people_template,
        {"extension": "xlsx"},
        name="people-template-xlsx",
    ),
    path(
        "people-template.csv",
        views.people_template,
        {"extension": "csv"},
        name="people-template-csv",
    ),
]
