"""A fictional partnership with two rounds of ratings, so every page and report shows real data.

Dates are relative to today, so the current round is always open. Running it again changes nothing.
"""

import datetime
import random
import secrets
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import F, Q
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.two_factor import DEMO_KEY
from assessments import changes
from assessments.models import (
    SEND_AT,
    Action,
    Answer,
    Assessment,
    BoardPaper,
    Reminder,
    ReminderDelivery,
    Round,
)
from checklists.models import Checklist, Item, Rag, Section
from partnerships.models import (
    Invitation,
    Organisation,
    Partnership,
    PartnershipLead,
    Sector,
    Team,
    TeamMembership,
    TeamType,
    invitation_lifetime,
    token_hash,
)

DEMO_PASSWORD = "demo-toolkit-2026"  # noqa: S105 (documented in the README; demo data only)
PARTNERSHIP = "Riverside Best Start for Life Partnership"
CHECKLIST_NAME = "Multi-agency workforce checklist"
# The demo's action plan: what will be done, how the next round will show it, a status note.
ACTION_TEXTS = [
    (
        "Run two half-day sessions on observing parent-child relationships for health visitors "
        "and nursery key workers, with the parent-infant team.",
        "No health visiting or early education team rates this item Red.",
        "Both sessions ran; 38 practitioners attended.",
    ),
    (
        "Set up monthly group reflective supervision for family hub staff, led by the "
        "parent-infant mental health team.",
        "Every family hub team rates this item Amber or Green.",
        "Two of the three hubs have started; the third starts in the new year.",
    ),
    (
        "Agree a shared referral pathway for perinatal mental health and publish it on the "
        "family hubs' website.",
        "Teams say in their evidence that they know the pathway.",
        "",
    ),
    (
        "Add the item to every team's induction checklist.",
        "New starters' teams rate this item Amber or better.",
        "",
    ),
]

# A short follow-up of three of the workforce checklist's items, for a round that opens
# tomorrow: a round of the workforce checklist could not overlap the open one.
FOLLOW_UP_NAME = "Reflective practice follow-up (demo)"
FOLLOW_UP_CODES = ("W09", "W10", "W11")
FOLLOW_UP_TEAMS = (
    "Little Acorns Nursery",
    "Riverside Childminder Network",
    "Oakfield Nursery Class",
    "Family Hubs East",
    "Early Help Service",
)

# organisation, sector, [(team, team type, headcount or None, active)]
ORGANISATIONS: list[tuple[str, Sector, list[tuple[str, TeamType, int | None, bool]]]] = [
    (
        "Riverside Community Health NHS Trust",
        Sector.NHS_HEALTH,
        [
            ("Health Visiting North", TeamType.HEALTH_VISITING, 24, True),
            ("Health Visiting South", TeamType.HEALTH_VISITING, 19, True),
            ("Family Nurse Partnership", TeamType.FAMILY_NURSE_PARTNERSHIP, 8, True),
        ],
    ),
    (
        "Riverside University Hospitals NHS Foundation Trust",
        Sector.NHS_HEALTH,
        [
            ("Community Midwifery", TeamType.MIDWIFERY, 31, True),
            ("Perinatal Mental Health Service", TeamType.PERINATAL_MENTAL_HEALTH, 12, True),
            ("Parent-Infant Relationship Team", TeamType.PARENT_INFANT, 5, True),
        ],
    ),
    (
        "Riverside Borough Council",
        Sector.LOCAL_AUTHORITY,
        [
            ("Family Hubs East", TeamType.FAMILY_HUB, 15, True),
            ("Early Help Service", TeamType.EARLY_HELP, 22, True),
            ("Children's Social Care Assessment Team", TeamType.SOCIAL_CARE, None, True),
            ("Area SENCO and Portage", TeamType.SEND, 6, True),
            ("Children's Centre West", TeamType.FAMILY_HUB, 7, False),
        ],
    ),
    (
        "Little Acorns Nursery Group",
        Sector.EARLY_EDUCATION,
        [
            ("Little Acorns Nursery", TeamType.EARLY_YEARS_SETTING, 18, True),
            ("Riverside Childminder Network", TeamType.CHILDMINDER_NETWORK, 40, True),
        ],
    ),
    (
        "Home-Start Riverside",
        Sector.VOLUNTARY,
        [("Home-Start Family Support", TeamType.VOLUNTARY_FAMILY_SUPPORT, 9, True)],
    ),
    (
        "Oakfield Primary School",
        Sector.EDUCATION,
        [("Oakfield Nursery Class", TeamType.EARLY_YEARS_SETTING, 4, True)],
    ),
]

# How far along each active team is in the current round.
REOPEN_REASON = (
    "The evidence for W06 and W10 is from before the team's restructure. Please check those "
    "two answers with the new team and submit again."
)
CURRENT_PROGRESS = {
    "Health Visiting North": "in_progress",  # the demo practitioner's team
    "Health Visiting South": "submitted",
    "Family Nurse Partnership": "submitted",
    "Community Midwifery": "in_progress",
    "Perinatal Mental Health Service": "submitted",
    "Parent-Infant Relationship Team": "submitted",
    "Family Hubs East": "reopened",  # submitted, then sent back by the lead
    "Early Help Service": "in_progress",
    "Children's Social Care Assessment Team": "not_started",
    "Area SENCO and Portage": "submitted",
    "Little Acorns Nursery": "in_progress",
    "Riverside Childminder Network": "not_started",
    "Home-Start Family Support": "submitted",
    "Oakfield Nursery Class": "not_started",
}

# Teams whose work centres on relationships tend to rate those items higher.
SPECIALIST_TYPES = {
    TeamType.PERINATAL_MENTAL_HEALTH,
    TeamType.PARENT_INFANT,
    TeamType.FAMILY_NURSE_PARTNERSHIP,
}

EVIDENCE = {
    Rag.RED: [
        "Only a few staff have had any training in this, most of it more than five years ago.",
        "Raised at our last team meeting: nobody felt confident about this.",
        "Not covered in induction; no local training offered in the last two years.",
    ],
    Rag.AMBER: [
        "About half the team completed the training last year; newer staff have not.",
        "Happens in some contacts but depends on the practitioner and on caseload pressure.",
        "Covered at induction, but it is not refreshed and practice varies.",
    ],
    Rag.GREEN: [
        "All staff trained; it is part of our standard practice and checked in case audits.",
        "Built into our pathway and reviewed in supervision each quarter.",
        "Audit of records this year showed it in nearly all the cases sampled.",
    ],
}
NEXT_STEPS = {
    Rag.RED: [
        "Ask the partnership training lead for places on the next course.",
        "Discuss at the next team meeting and agree a named lead.",
    ],
    Rag.AMBER: [
        "Book the remaining staff on to the spring training.",
        "Add it to the supervision agenda so practice becomes consistent.",
    ],
    Rag.GREEN: [
        "Keep it going; share our approach at the partnership learning event.",
        "Refresh training for new starters.",
    ],
}


DROPPED = "django.tasks.backends.dummy.DummyBackend"


class Command(BaseCommand):
    help = (
        "Load the toolkit checklist (if missing) and a fictional demo partnership with two rounds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--throwaway-database",
            action="store_true",
            help="Load the demo data although DEBUG is off. Only for a database made to be "
            "thrown away (the load and crash tests pass it): the demo accounts share a password "
            "that is published in the README.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["throwaway_database"]:
            raise CommandError(
                "DEBUG is off, so this looks like a production database: the demo data would "
                "add an administrator whose password is published. Nothing was loaded. (For a "
                "database made to be thrown away, add --throwaway-database.)"
            )
        if not Checklist.objects.filter(name=CHECKLIST_NAME).exists():
            call_command("loaddata", settings.BASE_DIR / "fixtures" / "checklist.json", verbosity=0)
            self.stdout.write("Loaded the toolkit checklist.")
        if Partnership.objects.filter(name=PARTNERSHIP).exists():
            self.stdout.write("The demo partnership is already there; nothing to do.")
        else:
            # Made-up submissions and reopenings e-mail nobody: their tasks are dropped, and
            # (should they be queued all the same) their e-mails count as sent.
            with override_settings(TASKS={"default": {"BACKEND": DROPPED}}):
                self._load()
            Assessment.objects.update(
                emailed_submitted_at=F("submitted_at"), emailed_reopened_at=F("reopened_at")
            )
            # The rounds' e-mails still to come are queued for real: the worker of `make run`
            # sends each on its day (the round opening tomorrow, the reminders).
            for reminder in Reminder.objects.filter(finished_at=None).select_related("round"):
                reminder.queue()
            # So are the board papers, which the dropped tasks would have rendered: the worker
            # renders them now, and a lead's first download is ready.
            changes.announce_again(Q(partnership__name=PARTNERSHIP))
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo partnership: {PARTNERSHIP}."))
        self._demo_app()
        self.stdout.write(
            "Demo sign-ins (password for all: "
            f"{DEMO_PASSWORD}): admin@example.org (administrator), lead@example.org "
            "(partnership lead), practitioner@example.org (Health Visiting North), "
            "family-hubs-east.lead@example.org (Family Hubs East, reopened by the lead). The "
            "administrator's second step shows its code on the page while DEBUG is on."
        )

    def _demo_app(self) -> None:
        """The demo administrator's authenticator app, with the README's published key, unless
        they have set up one of their own. Refused whenever DEBUG is off (accounts.two_factor)."""
        admin = User.objects.filter(email="admin@example.org").first()
        if admin is not None and not TOTPDevice.objects.filter(user=admin).exists():
            TOTPDevice.objects.create(user=admin, name="Demo app", key=DEMO_KEY, confirmed=True)

    @transaction.atomic
    def _load(self) -> None:
        checklist = Checklist.objects.filter(
            name=CHECKLIST_NAME, status=Checklist.Status.PUBLISHED
        ).latest("version")
        items = list(checklist.items.order_by("order"))
        rng = random.Random(2026)  # noqa: S311 (demo data, not security)
        today = timezone.localdate()

        self._user("admin@example.org", "Alex Admin", is_staff=True, is_superuser=True)
        lead = self._user("lead@example.org", "Lee Partnership-Lead")
        practitioner = self._user("practitioner@example.org", "Priya Practitioner")

        partnership = Partnership.objects.create(
            name=PARTNERSHIP, area="Riverside (a fictional local authority area)"
        )
        PartnershipLead.objects.create(user=lead, partnership=partnership)

        teams: list[Team] = []
        for org_name, sector, team_specs in ORGANISATIONS:
            organisation = Organisation.objects.create(
                partnership=partnership, name=org_name, sector=sector
            )
            for name, team_type, headcount, active in team_specs:
                team = Team.objects.create(
                    organisation=organisation,
                    name=name,
                    team_type=team_type,
                    headcount=headcount,
                    is_active=active,
                )
                teams.append(team)
                team_lead = self._user(self._email_for(name), f"{name} team lead")
                TeamMembership.objects.create(user=team_lead, team=team, is_team_lead=True)
        hv_north = next(team for team in teams if team.name == "Health Visiting North")
        TeamMembership.objects.create(user=practitioner, team=hv_north)

        # Every assessment is made as the app makes one (start, save, submit), so the demo holds
        # only states the app can produce. Last year's round is filled while open, then closes.
        previous = Round.objects.create(
            partnership=partnership,
            checklist=checklist,
            name=f"{today.year - 1} workforce self-assessment",
            opens_on=today - datetime.timedelta(days=400),
            closes_on=today + datetime.timedelta(days=1),
        )
        previous_rags: dict[tuple[int, int], Rag] = {}
        previous_closes = today - datetime.timedelta(days=330)
        for team in teams:
            rater = team.memberships.get(is_team_lead=True).user
            rags = [self._first_rag(rng, team, item) for item in items]
            previous_rags.update(
                {(team.pk, item.pk): rag for item, rag in zip(items, rags, strict=True)}
            )
            self._assessment(
                rng, previous, team, items, rags, rater, submitted=True, ends_on=previous_closes
            )
        Round.objects.filter(pk=previous.pk).update(closes_on=previous_closes)
        previous.refresh_from_db()
        current = Round.objects.create(
            partnership=partnership,
            checklist=checklist,
            name=f"{today.year} workforce self-assessment",
            opens_on=today - datetime.timedelta(days=30),
            closes_on=today + datetime.timedelta(days=45),
        )

        for team in teams:
            progress = CURRENT_PROGRESS.get(team.name)
            if progress is None or progress == "not_started":
                continue
            rater = (
                practitioner if team == hv_north else team.memberships.get(is_team_lead=True).user
            )
            rags = [self._moved(rng, previous_rags[(team.pk, item.pk)]) for item in items]
            if progress == "in_progress":
                rated = 6 if team == hv_north else rng.randint(3, 9)
                rags = rags[:rated] + [Rag.UNRATED] * (len(items) - rated)
            assessment = self._assessment(
                rng, current, team, items, rags, rater, submitted=progress != "in_progress"
            )
            if progress == "reopened":
                assessment.reopen(by=lead, reason=REOPEN_REASON)
        code_of = {item.pk: item.code for item in items}
        reds = Counter(dict.fromkeys(code_of.values(), 0))
        reds.update(code_of[pk] for (_team, pk), rag in previous_rags.items() if rag == Rag.RED)
        self._actions(previous, current, [code for code, _ in reds.most_common(3)], lead)
        self._opening_sent(current, lead)
        self._follow_up(partnership, checklist, teams, lead)
        self._invitations(partnership, teams, lead)

    def _actions(self, previous: Round, current: Round, gaps: list[str], lead: User) -> None:
        """Last year's plan for its three biggest gaps, as a lead would have kept it: one done,
        one under way, one overdue (all but the done one carry into this year's round), and one
        added this year."""
        today = timezone.localdate()
        plan = [
            (previous, gaps[0], ACTION_TEXTS[0], "Health visiting training lead", -100, "done"),
            (previous, gaps[1], ACTION_TEXTS[1], "Family hubs manager", 60, "in_progress"),
            (previous, gaps[2], ACTION_TEXTS[2], "Perinatal mental health team lead", -20, ""),
            (current, gaps[0], ACTION_TEXTS[3], "Partnership lead", 120, ""),
        ]
        for round_, code, (what, measure, note), owner, due_in, status in plan:
            action = Action.objects.create(
                partnership=round_.partnership,
                round=round_,
                item_code=code,
                what=what,
                owner_name=owner,
                due_on=today + datetime.timedelta(days=due_in),
                measure=measure,
                created_by=lead,
            )
            if status:
                action.change_status(status=status, note=note, by=lead, version=0)
        BoardPaper.of(current).change(
            by=lead,
            version=0,
            asks=(
                "Agree £12,000 from the Best Start for Life grant for observation training in "
                "2027.\nAsk each member organisation to name a lead for reflective supervision "
                "by March.\nReceive the next board paper when the 2027 round closes."
            ),
        )

    def _opening_sent(self, current: Round, lead: User) -> None:
        """The current round's e-mails: its opening day's went to every team, as it would have
        (each person's copy recorded); the default reminders are still to come."""
        current.set_up_emails(by=lead)
        opening = current.reminders.get(kind=Reminder.Kind.OPENING)
        sent_at = timezone.make_aware(datetime.datetime.combine(current.opens_on, SEND_AT))
        people = set(  # everyone: on the opening day, no team had submitted
            TeamMembership.objects.filter(team__in=current.teams_taking_part()).values_list(
                "user_id", flat=True
            )
        )
        ReminderDelivery.objects.bulk_create(
            ReminderDelivery(
                reminder=opening,
                round=current,
                user_id=user_id,
                day=current.opens_on,
                sent_at=sent_at,
            )
            for user_id in people
        )
        Reminder.objects.filter(pk=opening.pk).update(finished_at=sent_at, created_at=sent_at)

    def _follow_up(
        self, partnership: Partnership, workforce: Checklist, teams: list[Team], lead: User
    ) -> None:
        """A round that opens tomorrow, of a three-item follow-up checklist, for the teams
        whose reflective practice the last round found weakest; its e-mails are scheduled."""
        checklist = Checklist.objects.filter(name=FOLLOW_UP_NAME).first()
        if checklist is None:
            checklist = Checklist.objects.create(
                name=FOLLOW_UP_NAME,
                introduction=(
                    "A short follow-up on the partnership's priority gaps: reflecting together, "
                    "reflective supervision and learning with other professionals. Its items "
                    "are those of the multi-agency workforce checklist."
                ),
                source=workforce.source,
            )
            section = Section.objects.create(
                checklist=checklist, title="Reflection and supervision", order=1
            )
            for order, item in enumerate(workforce.items.filter(code__in=FOLLOW_UP_CODES), 1):
                Item.objects.create(
                    checklist=checklist,
                    section=section,
                    code=item.code,
                    statement=item.statement,
                    guidance=item.guidance,
                    red_descriptor=item.red_descriptor,
                    amber_descriptor=item.amber_descriptor,
                    green_descriptor=item.green_descriptor,
                    order=order,
                )
            checklist.publish()
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        follow_up = Round.objects.create(
            partnership=partnership,
            checklist=checklist,
            name="Reflective practice follow-up",
            opens_on=tomorrow,
            closes_on=tomorrow + datetime.timedelta(days=28),
        )
        follow_up.left_out.set([team for team in teams if team.name not in FOLLOW_UP_TEAMS])
        follow_up.set_up_emails(by=lead)

    def _invitations(self, partnership: Partnership, teams: list[Team], lead: User) -> None:
        """Three people the lead has invited: two still to answer, one whose link has expired.
        Their links were never printed, so nobody can use them; "Send again" e-mails a new one
        (printed by `make run`)."""
        now = timezone.now()
        by_name = {team.name: team for team in teams}
        for email, name, team, sent_days_ago in [
            ("sam.newcomer@example.org", "Sam Newcomer", "Little Acorns Nursery", 2),
            ("rowan.ellis@example.org", "Rowan Ellis", "Community Midwifery", 5),
            ("jo.late@example.org", "Jo Late", "Early Help Service", 20),
        ]:
            sent = now - datetime.timedelta(days=sent_days_ago)
            Invitation.objects.create(
                partnership=partnership,
                team=by_name[team],
                email=email,
                full_name=name,
                invited_by=lead,
                sends=1,
                token_hash=token_hash(secrets.token_urlsafe(32)),
                sent_at=sent,
                expires_at=sent + invitation_lifetime(),
            )

    def _user(self, email: str, name: str, **flags: bool) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name, **flags)
        return user

    @staticmethod
    def _email_for(team_name: str) -> str:
        slug = "".join(ch if ch.isalnum() else "-" for ch in team_name.lower()).strip("-")
        return f"{'-'.join(part for part in slug.split('-') if part)}.lead@example.org"

    @staticmethod
    def _first_rag(rng: random.Random, team: Team, item: Item) -> Rag:
        weights = [3, 5, 2]  # red, amber, green: Amber is over-used, as in real life
        if team.team_type in SPECIALIST_TYPES and item.code in {"W04", "W05", "W06", "W07", "W10"}:
            weights = [0, 2, 6]
        if team.team_type in {TeamType.EARLY_YEARS_SETTING, TeamType.CHILDMINDER_NETWORK} and (
            item.code in {"W10", "W09", "W06"}
        ):
            weights = [6, 3, 0]
        return rng.choices(Rag.colours(), weights=weights)[0]

    @staticmethod
    def _moved(rng: random.Random, rag: Rag) -> Rag:
        colours = Rag.colours()
        step = rng.choices([-1, 0, 1], weights=[1, 6, 3])[0]
        return colours[max(0, min(2, colours.index(rag) + step))]

    def _assessment(
        self,
        rng: random.Random,
        round_: Round,
        team: Team,
        items: list[Item],
        rags: list[Rag],
        rater: User,
        *,
        submitted: bool,
        ends_on: datetime.date | None = None,
    ) -> Assessment:
        """`ends_on`: when the round will have closed, if not yet (last year's, filled while
        open): its answers are dated before then, as they would have been."""
        last_day = min(ends_on or round_.closes_on, timezone.localdate())
        finished_on = last_day - datetime.timedelta(days=rng.randint(1, 20))
        submitted_at = timezone.make_aware(
            datetime.datetime.combine(finished_on, datetime.time(14, 30))
        )
        assessment = Assessment.start(team=team, round=round_)
        answers = {
            item.pk: Answer(
                rag=rag,
                evidence=rng.choice(EVIDENCE[rag]) if rag != Rag.UNRATED else "",
                next_step=rng.choice(NEXT_STEPS[rag]) if rag != Rag.UNRATED else "",
            )
            for item, rag in zip(items, rags, strict=True)
        }
        assessment.save_answers(answers, version=assessment.version, by=rater)
        if submitted:
            assessment.submit(by=rater)
        # The methods stamp today; the demo's dates should read as they would have happened.
        assessment.ratings.update(updated_at=submitted_at)
        Assessment.objects.filter(pk=assessment.pk).update(
            updated_at=submitted_at, submitted_at=submitted_at if submitted else None
        )
        assessment.refresh_from_db()
        return assessment
