"""Duplicates shown where cases are handled (issue 17): the same matter nearby under a related
category, the same party by phone or ID number anywhere, only what the person may see, and one
click (the merge act) folds a duplicate in, audited."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes import duplicates, workflow
from disputes.models import AuditEntry, Case, Category
from tests.disputes.conftest import PARTIES, POINT_V1_C1, POINT_V3
from tests.disputes.stories import new_case
from tests.factories import client_for

EAST_80_M = (POINT_V1_C1[0] + 0.001, POINT_V1_C1[1])


def offered(case, user):
    return {row.case.pk: sorted(row.reasons) for row in duplicates.related_cases(case, user)}


@pytest.mark.django_db
class TestWhatIsOffered:
    def test_a_related_category_nearby_is_offered_and_named_so(self, world):
        drainage = Category.objects.get(code="110102")  # 排水纠纷
        passage = Category.objects.get(code="110101")  # 通行纠纷, its sibling
        noise = Category.objects.get(code="110201")  # 噪音纠纷, under another 中类
        first = new_case(world, drainage)
        same = new_case(world, drainage, point=EAST_80_M)
        related = new_case(world, passage, point=EAST_80_M)
        unrelated = new_case(world, noise, point=EAST_80_M)
        assert offered(first, world.county_operator) == {
            same.pk: [duplicates.NEARBY_SAME],
            related.pk: [duplicates.NEARBY_RELATED],
        }
        assert first.pk not in offered(unrelated, world.county_operator)

    def test_the_same_party_elsewhere_is_offered_by_phone_or_id_number(self, world):
        here = new_case(world, parties=PARTIES)
        by_phone = new_case(world, point=POINT_V3, parties=[{**PARTIES[0], "id_number": "", "name": "王建"}])
        by_id = new_case(world, point=POINT_V3, parties=[{**PARTIES[1], "phone": ""}])
        stranger = new_case(
            world, point=POINT_V3, parties=[{"name": "赵六", "role": "applicant", "phone": "13700000000"}]
        )
        result = offered(here, world.county_operator)
        assert result == {by_phone.pk: [duplicates.SAME_PARTY], by_id.pk: [duplicates.SAME_PARTY]}
        assert stranger.pk not in result

    def test_only_cases_the_person_may_see_and_only_open_ones(self, world):
        here = new_case(world, parties=PARTIES)
        elsewhere = new_case(world, point=POINT_V3, parties=PARTIES)  # in 朝阳镇
        assert offered(here, world.county_operator) == {elsewhere.pk: [duplicates.SAME_PARTY]}
        assert offered(here, world.operator) == {}  # 长顺镇's operator does not see 朝阳镇's case
        workflow.reject_case(world.county_operator, elsewhere, reason="重复报送")
        assert offered(here, world.county_operator) == {}
        workflow.reject_case(world.county_operator, here, reason="重复报送")
        assert offered(here, world.county_operator) == {}  # a closed case offers nothing


@pytest.mark.django_db
class TestInTheApi:
    def test_the_detail_lists_them_and_one_merge_folds_a_duplicate_in(self, world):
        first = new_case(world, parties=PARTIES)
        again = new_case(world, point=EAST_80_M, parties=PARTIES)
        client = client_for(world.operator)
        detail = client.get(f"/api/cases/{again.pk}/").json()
        [row] = detail["duplicates"]
        assert (row["id"], row["number"], row["state"]) == (first.pk, first.number, "reported")
        assert row["reasons"] == [duplicates.NEARBY_SAME, duplicates.SAME_PARTY]
        assert 70 < row["distance_m"] < 90
        assert "merge" in detail["allowed_actions"]

        response = client.post(
            f"/api/cases/{again.pk}/merge/", {"version": detail["version"], "into": row["id"]}, format="json"
        )
        assert response.status_code == 200, response.content
        again.refresh_from_db()
        assert again.state == "merged" and again.merged_into_id == first.pk
        assert AuditEntry.objects.filter(case=first, action="merged_in").count() == 1
        assert client.get(f"/api/cases/{first.pk}/").json()["duplicates"] == []

    def test_merging_into_a_case_one_may_not_see_is_refused_and_changes_nothing(self, world):
        here = new_case(world, parties=PARTIES)
        elsewhere = new_case(world, point=POINT_V3, parties=PARTIES)
        client = client_for(world.operator)
        response = client.post(
            f"/api/cases/{here.pk}/merge/", {"version": here.version, "into": elsewhere.pk}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == "invalid" and "into" in response.json()["fields"]
        assert Case.objects.get(pk=here.pk).state == "reported"
        assert not AuditEntry.objects.filter(case=elsewhere, action="merged_in").exists()


@pytest.mark.django_db
class TestInTheList:
    """The case list marks each row with how many duplicates its detail would offer, in the same
    handful of queries whatever the page's length."""

    def test_each_row_counts_what_its_detail_would_offer(self, world):
        drainage = Category.objects.get(code="110102")
        passage = Category.objects.get(code="110101")
        first = new_case(world, drainage, parties=PARTIES)
        again = new_case(world, drainage, point=EAST_80_M)
        related = new_case(world, passage, point=EAST_80_M)
        by_id = new_case(world, point=POINT_V3, parties=[{**PARTIES[1], "phone": ""}])
        alone = new_case(world, Category.objects.get(code="110201"), point=POINT_V3)  # 噪音纠纷: unrelated
        for user in (world.county_operator, world.operator):
            rows = client_for(user).get("/api/cases/", {"page_size": 50}).json()["results"]
            counts = {row["id"]: row["duplicates"] for row in rows}
            for case in (first, again, related, by_id, alone):
                if case.pk in counts:
                    assert counts[case.pk] == len(duplicates.related_cases(case, user)), (user, case)
        county = {
            row["id"]: row["duplicates"]
            for row in client_for(world.county_operator).get("/api/cases/").json()["results"]
        }
        assert (county[first.pk], county[again.pk], county[related.pk], county[alone.pk]) == (3, 2, 2, 0)
        assert county[by_id.pk] == 1

    def test_a_closed_case_counts_none_and_is_not_counted(self, world):
        first = new_case(world, parties=PARTIES)
        again = new_case(world, point=EAST_80_M)
        workflow.reject_case(world.county_operator, again, reason="重复报送")
        rows = client_for(world.county_operator).get("/api/cases/").json()["results"]
        counts = {row["id"]: row["duplicates"] for row in rows}
        assert counts[first.pk] == 0 and counts[again.pk] == 0

    def test_the_queries_do_not_grow_with_the_page(self, world):
        client = client_for(world.county_operator)
        for n in range(3):
            new_case(world, point=(EAST_80_M[0] + n * 0.0001, EAST_80_M[1]), parties=PARTIES)
        client.get("/api/cases/")  # the first request looks up who the user is, once
        with CaptureQueriesContext(connection) as few:
            client.get("/api/cases/", {"page_size": 2})
        for n in range(12):
            new_case(world, point=(EAST_80_M[0] + n * 0.0001, EAST_80_M[1] + 0.0001), parties=PARTIES)
        with CaptureQueriesContext(connection) as many:
            rows = client.get("/api/cases/", {"page_size": 15}).json()["results"]
        assert len(rows) == 15 and all(row["duplicates"] > 0 for row in rows)
        assert len(many) == len(few)
