"""Arbitrary form data never causes a server error and never breaks an invariant."""

import string

from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.models import User
from assessments.models import Assessment, Round
from checklists.models import Rag

from .helpers import (
    add_member,
    make_checklist,
    make_partnership,
    make_round,
    make_team,
    make_user,
    sign_in,
)

RAG_LIKE = st.sampled_from(["red", "amber", "green", "unrated", "RED", "purple", "", "red\x00"])
TEXT = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=string.ascii_letters, min_size=1990, max_size=2010),
    st.sampled_from(["<script>alert(1)</script>", "'; DROP TABLE x; --", "\x00", "🙂" * 5]),
)
NUMBERISH = st.one_of(
    st.integers(min_value=-5, max_value=10**12).map(str), st.text(max_size=5), st.just("")
)


class ArbitraryPostsTest(TestCase):
    round: Round
    user: User
    assessment: Assessment
    item_ids: list[int]
    section_ids: list[int]
    foreign_item_ids: list[int]

    @classmethod
    def setUpTestData(cls) -> None:
        partnership = make_partnership()
        team = make_team(partnership)
        checklist = make_checklist(items=3)
        cls.round = make_round(partnership, checklist)
        cls.user = make_user("practitioner@example.org")
        add_member(cls.user, team)
        cls.assessment = Assessment.start(team=team, round=cls.round)
        cls.item_ids = list(checklist.items.values_list("pk", flat=True))
        cls.section_ids = list(checklist.sections.values_list("pk", flat=True))
        other = Assessment.start(team=make_team(partnership, "Other team"), round=cls.round)
        cls.foreign_item_ids = [other.pk + 1000, 0, -1]

    def _keys(self) -> st.SearchStrategy[str]:
        ids = st.sampled_from([*self.item_ids, *self.foreign_item_ids]).map(str) | NUMBERISH
        return st.one_of(
            st.sampled_from(
                ["version", "action", "return_to", "resolving", "confirm", "csrfmiddlewaretoken"]
            ),
            st.builds(
                lambda i, f: f"item-{i}-{f}",
                ids,
                st.sampled_from(["rag", "evidence", "next_step", "id"]),
            ),
            st.builds(lambda i: f"keep-{i}-keep", ids),
            st.text(max_size=12),
        )

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def test_no_server_error_and_invariants_hold(self, data: st.DataObject) -> None:
        post = data.draw(
            st.dictionaries(self._keys(), st.one_of(RAG_LIKE, TEXT, NUMBERISH), max_size=14)
        )
        if data.draw(st.booleans()):
            post["version"] = str(Assessment.objects.get(pk=self.assessment.pk).version)
        route = data.draw(st.sampled_from(["section", "submit", "copy-previous"]))
        before = Assessment.objects.get(pk=self.assessment.pk).version

        client = Client(raise_request_exception=True)
        sign_in(client, self.user)
        # A section's page takes its section's id, this checklist's or another's or none.
        args = [self.assessment.pk]
        if route == "section":
            args.append(data.draw(st.sampled_from([*self.section_ids, 0, 10**9])))
        response = client.post(reverse(f"assessments:{route}", args=args), post)

        assert response.status_code in {200, 302, 400, 404, 409}, response.status_code
        assessment = Assessment.objects.get(pk=self.assessment.pk)
        assert assessment.version >= before
        ratings = list(assessment.ratings.values_list("item_id", "rag", "evidence", "next_step"))
        assert sorted(r[0] for r in ratings) == sorted(self.item_ids)
        for _, rag, evidence, next_step in ratings:
            assert rag in Rag.values
            assert len(evidence) <= 2000
            assert len(next_step) <= 2000
            assert "\x00" not in evidence + next_step
