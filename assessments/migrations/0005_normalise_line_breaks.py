"""Answers saved before the forms normalised line breaks hold Windows ones (CRLF): store them as
the forms now would. History rows keep what was saved at the time."""

from typing import Any

from django.db import migrations
from django.db.models import Q

from assessments.text import normalise_line_breaks


def normalise(apps: Any, schema_editor: Any) -> None:
    Rating = apps.get_model("assessments", "Rating")
    Assessment = apps.get_model("assessments", "Assessment")
    for model, fields in ((Rating, ["evidence", "next_step"]), (Assessment, ["reopened_reason"])):
        with_returns = Q()
        for field in fields:
            with_returns |= Q(**{f"{field}__contains": "\r"})
        changed = []
        for row in model.objects.filter(with_returns):
            for field in fields:
                setattr(row, field, normalise_line_breaks(getattr(row, field)))
            changed.append(row)
        model.objects.bulk_update(changed, fields, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0004_every_partnership_permission")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
