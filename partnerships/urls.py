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
]
