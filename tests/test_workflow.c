/* test_workflow.c — submissions, review and follow-up statistics
 * (api/workflow.h) on a real store: submit (valid, invalid with every
 * problem reported), who may read what, the queue, request changes,
 * revise, field-level diff, approve/reject rules, the audit trail without
 * token text, duplicate warnings against the demo corpus in both engines,
 * aggregated statistics, and that no rejected call loses or adds data. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sqlite3.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "case.h"
#include "engine.h"
#include "harvest.h"
#include "sources.h"
#include "store.h"
#include "sync.h"
#include "taxonomy.h"
#include "testutil.h"
#include "workflow.h"

static char *dir;
static struct store *st;

/* Principals: two contributors, two reviewers, an admin, anonymous. */
static struct auth_principal alice, bob, rev1, rev2, admin, anon;
static char tokens[5][AUTH_TOKEN_LEN + 1];

static void principal(int i, enum auth_role role, const char *name, struct auth_principal *p)
{
	char id[40], hdr[AUTH_TOKEN_LEN + 16];
	struct cl_errbuf eb = {0};

	cr_assert_eq(auth_token_create(st, role, name, tokens[i], id, &eb), CL_OK, "%s", eb.msg);
	snprintf(hdr, sizeof hdr, "Bearer %s", tokens[i]);
	cr_assert_eq(auth_verify(st, hdr, p, &eb), CL_OK, "%s", eb.msg);
}

static void setup(void)
{
	struct cl_errbuf eb = {0};

	cr_assert_eq(tax_load(&eb), CL_OK, "%s", eb.msg);
	st = tu_store_new(&dir);
	principal(0, ROLE_CONTRIBUTOR, "Växjö kommun", &alice);
	principal(1, ROLE_CONTRIBUTOR, "Region Kalmar", &bob);
	principal(2, ROLE_REVIEWER, "KKV granskare 1", &rev1);
	principal(3, ROLE_REVIEWER, "KKV granskare 2", &rev2);
	principal(4, ROLE_ADMIN, "KKV admin", &admin);
	memset(&anon, 0, sizeof anon);
}

static void teardown(void)
{
	tu_store_drop(&st, &dir);
}

TestSuite(workflow, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------ */

#define CASE_BODY                                                                          \
	"{\"kind\":\"case\",\"title\":\"%s\",\"summary\":\"%s\",\"language\":\"sv\","      \
	"\"buyer\":{\"name\":\"Växjö kommun\",\"country\":\"SE\"},"                        \
	"\"sectors\":[\"env-pro\"],\"published\":\"2024-05-02\","                         \
	"\"sources\":[{\"url\":\"https://www.vaxjo.se/upphandling/lackage\","             \
	"\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]}"

static const char *const T1 = "Sensorer för tidig upptäckt av vattenläckor i Växjö";
static const char *const S1 = "Växjö kommun upphandlade trådlösa sensorer som lyssnar efter "
			      "läckor i ledningsnätet. Leverantörerna fick visa sina lösningar "
			      "i en pilot innan avtal tecknades.";

static char *body_of(const char *title, const char *summary)
{
	char *b = NULL;

	cr_assert_neq(asprintf(&b, CASE_BODY, title, summary), -1);
	return b;
}

struct snap {
	long cases, versions, submissions, reviews, audit, tokens, changes;
};

static long sql_long(const char *sql)
{
	return tu_sql_long(store_db(st), sql);
}

static struct snap snapshot(void)
{
	struct snap s = {
		sql_long("SELECT count(*) FROM cases"),
		sql_long("SELECT count(*) FROM case_versions"),
		sql_long("SELECT count(*) FROM submissions"),
		sql_long("SELECT count(*) FROM reviews"),
		sql_long("SELECT count(*) FROM audit"),
		sql_long("SELECT count(*) FROM tokens"),
		sql_long("SELECT count(*) FROM changes"),
	};
	return s;
}

static void assert_same(struct snap a, struct snap b, const char *what)
{
	cr_assert_eq(memcmp(&a, &b, sizeof a), 0,
		     "%s changed the store: cases %ld/%ld versions %ld/%ld submissions %ld/%ld"
		     " reviews %ld/%ld audit %ld/%ld",
		     what, a.cases, b.cases, a.versions, b.versions, a.submissions, b.submissions,
		     a.reviews, b.reviews, a.audit, b.audit);
}

/* Submits title/summary as who; returns the new id (caller frees). */
static char *submit(const struct auth_principal *who, const char *title, const char *summary)
{
	struct case_problems probs;
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	char *b = body_of(title, summary), *id;

	case_problems_init(&probs);
	cr_assert_eq(wf_submit(st, NULL, who, b, strlen(b), &out, &probs, &eb), CL_OK, "%s: %s",
		     eb.msg, probs.n ? probs.v[0].reason : "");
	id = strdup(json_string_value(json_object_get(out, "id")));
	json_decref(out);
	free(b);
	case_problems_release(&probs);
	return id;
}

/* alice submits text and is refused with problems (probs initialised
 * here; the caller releases them). */
static void refused(const char *text, struct case_problems *probs)
{
	struct cl_errbuf eb = {0};
	json_t *out = NULL;

	case_problems_init(probs);
	cr_assert_eq(wf_submit(st, NULL, &alice, text, strlen(text), &out, probs, &eb),
		     CL_EVALIDATION);
	cr_assert_null(out);
}

/* The case's current version (0 when absent). */
static long cur_version(const char *id)
{
	sqlite3_stmt *q = NULL;
	long v = 0;

	cr_assert_eq(sqlite3_prepare_v2(store_db(st), "SELECT version FROM cases WHERE id = ?1", -1,
					&q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* A decision on the given version; *state (may be NULL) gets what a
 * conflict reports. */
static int decide_v(const struct auth_principal *who, const char *id, const char *decision,
		    const char *comment, long version, json_t **state)
{
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	int rc = wf_decide(st, who, id, decision, comment, version, &out, &eb);

	if (rc == CL_OK) {
		cr_assert_not_null(out);
		cr_assert_str_eq(json_string_value(json_object_get(out, "decision")), decision);
	} else {
		cr_assert(out == NULL || rc == CL_ECONFLICT, "%s with an answer", cl_strerror(rc));
		cr_assert(eb.msg[0], "no reason for %s", cl_strerror(rc));
	}
	if (state)
		*state = out;
	else
		json_decref(out);
	return rc;
}

/* A decision on the version the store holds now (what the reviewer read). */
static int decide(const struct auth_principal *who, const char *id, const char *decision,
		  const char *comment)
{
	long v = cur_version(id);

	return decide_v(who, id, decision, comment, v ? v : 1, NULL);
}

static char *case_status(const char *id)
{
	struct case_record c;
	struct cl_errbuf eb = {0};
	char *s;

	case_init(&c);
	cr_assert_eq(store_get_case(st, id, &c, &eb), CL_OK, "%s", eb.msg);
	s = strdup(c.status);
	case_release(&c);
	return s;
}

static void assert_status(const char *id, const char *want)
{
	char *s = case_status(id), sql[256];
	sqlite3_stmt *q = NULL;

	cr_assert_str_eq(s, want, "case %s", id);
	free(s);
	snprintf(sql, sizeof sql, "SELECT status FROM submissions WHERE id = '%s'", id);
	cr_assert_eq(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), want, "submission %s", id);
	sqlite3_finalize(q);
}

static json_t *queue(const struct auth_principal *who, const char *status, int want_rc)
{
	struct cl_errbuf eb = {0};
	json_t *out = NULL;

	cr_assert_eq(wf_queue(st, who, status, 0, 0, &out, &eb), want_rc, "%s", eb.msg);
	return out;
}

/* ---- submit ------------------------------------------------------------------- */

Test(workflow, submit_valid)
{
	struct case_problems probs;
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	char *b = body_of(T1, S1);
	const char *id;

	case_problems_init(&probs);
	cr_assert_eq(wf_submit(st, NULL, &alice, b, strlen(b), &out, &probs, &eb), CL_OK, "%s",
		     eb.msg);
	cr_assert_eq(probs.n, 0);
	id = json_string_value(json_object_get(out, "id"));
	cr_assert_not_null(id);
	cr_assert_eq(strlen(id), 16, "%s", id);
	cr_assert(!strncmp(id, "sub-", 4));
	cr_assert_eq(strspn(id + 4, "0123456789abcdef"), 12);
	cr_assert_str_eq(json_string_value(json_object_get(out, "status")), "submitted");
	cr_assert_eq(json_integer_value(json_object_get(out, "version")), 1);
	cr_assert_eq(json_array_size(json_object_get(out, "duplicates")), 0);
	cr_assert(json_is_false(json_object_get(out, "duplicates_checked")));
	assert_status(id, "submitted");
	cr_assert_eq(sql_long("SELECT count(*) FROM submissions s JOIN tokens t"
			      " ON t.id = s.token_id WHERE t.name = 'Växjö kommun'"), 1);
	json_decref(out);

	/* A body that sets status "published" and proposes an id: the id is
	 * the server's ("sub-" + slug + "-" + 8 hex), the status the
	 * workflow's. */
	free(b);
	b = strdup("{\"id\":\"vaxjo-lackage-2024\",\"status\":\"published\",\"kind\":\"case\","
		   "\"title\":\"Läckagesensorer\",\"sources\":[{\"url\":\"https://vaxjo.se/x\","
		   "\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]}");
	cr_assert_eq(wf_submit(st, NULL, &bob, b, strlen(b), &out, &probs, &eb), CL_OK, "%s",
		     eb.msg);
	id = json_string_value(json_object_get(out, "id"));
	cr_assert_eq(strlen(id), strlen("sub-vaxjo-lackage-2024-") + 8, "%s", id);
	cr_assert(!strncmp(id, "sub-vaxjo-lackage-2024-", 23), "%s", id);
	cr_assert_eq(strspn(id + 23, "0123456789abcdef"), 8, "%s", id);
	assert_status(id, "submitted");
	cr_assert_eq(cur_version("vaxjo-lackage-2024"), 0, "the proposed id itself was used");
	json_decref(out);
	free(b);
	case_problems_release(&probs);
}

Test(workflow, submit_invalid_reports_every_problem_and_stores_nothing)
{
	static const char bad[] =
		"{\"kind\":\"story\",\"summary\":42,\"colour\":\"blue\","
		"\"buyer\":{\"org_number\":\"212000-1131\",\"country\":\"Sverige\"},"
		"\"goals\":[\"sdg-99\"],\"published\":\"2024-13-40\","
		"\"sources\":[{\"url\":\"ftp://x\",\"retrieved_at\":\"yesterday\"}]}";
	static const char *const paths[] = {"$.kind", "$.title", "$.summary", "$.colour",
					    "$.buyer.org_number", "$.buyer.country",
					    "$.goals[0]", "$.published", "$.sources[0].url",
					    "$.sources[0].retrieved_at"};
	struct case_problems probs;
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	struct snap before = snapshot();

	refused(bad, &probs);
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		int found = 0;
		for (size_t k = 0; k < probs.n; k++)
			if (!strcmp(probs.v[k].path, paths[i]))
				found = 1;
		cr_expect(found, "no problem reported at %s", paths[i]);
	}
	cr_assert_geq(probs.n, sizeof paths / sizeof *paths);
	case_problems_release(&probs);

	/* Malformed JSON: one problem at $ with the position. */
	case_problems_init(&probs);
	cr_assert_eq(wf_submit(st, NULL, &alice, "{\"title\":", 9, &out, &probs, &eb),
		     CL_EVALIDATION);
	cr_assert_eq(probs.n, 1);
	cr_assert_str_eq(probs.v[0].path, "$");
	case_problems_release(&probs);
	assert_same(before, snapshot(), "invalid submissions");
}

Test(workflow, submit_refusals_store_nothing)
{
	struct case_problems probs;
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	char *b = body_of(T1, S1), *id = submit(&alice, T1, S1);
	char *dupid = NULL;
	struct snap before = snapshot();

	case_problems_init(&probs);
	cr_assert_eq(wf_submit(st, NULL, &anon, b, strlen(b), &out, &probs, &eb), CL_EDENIED);
	cr_assert_eq(wf_submit(st, NULL, NULL, b, strlen(b), &out, &probs, &eb), CL_EDENIED);
	cr_assert_eq(wf_submit(st, NULL, &alice, NULL, 0, &out, &probs, &eb), CL_EINVAL);
	assert_same(before, snapshot(), "refused submissions");
	/* An id that exists already: a submission never overwrites a case
	 * (it gets an id of its own, so nothing tells the caller that the
	 * other one exists). */
	cr_assert_neq(asprintf(&dupid,
			       "{\"id\":\"%s\",\"kind\":\"case\",\"title\":\"x y z\",\"sources\":"
			       "[{\"url\":\"https://a.se/\",\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]}",
			       id), -1);
	cr_assert_eq(wf_submit(st, NULL, &bob, dupid, strlen(dupid), &out, &probs, &eb), CL_OK,
		     "%s", eb.msg);
	cr_assert_str_neq(json_string_value(json_object_get(out, "id")), id);
	json_decref(out);
	cr_assert_eq(cur_version(id), 1, "the existing submission was written to");
	assert_status(id, "submitted");
	free(dupid);
	free(b);
	free(id);
	case_problems_release(&probs);
}

/* ---- who may read ------------------------------------------------------------------ */

Test(workflow, get_by_owner_other_contributor_reviewer)
{
	struct cl_errbuf eb = {0}, eb2 = {0};
	json_t *out = NULL;
	char *id = submit(&alice, T1, S1);

	cr_assert_eq(wf_get(st, &alice, id, &out, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(json_string_value(json_object_get(out, "status")), "submitted");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(out, "case"), "title")),
			 T1);
	cr_assert_eq(json_array_size(json_object_get(out, "reviews")), 0);
	cr_assert(json_is_null(json_object_get(out, "diff_from")));
	json_decref(out);
	out = NULL;

	cr_assert_eq(wf_get(st, &rev1, id, &out, &eb), CL_OK, "%s", eb.msg);
	json_decref(out);
	out = NULL;
	cr_assert_eq(wf_get(st, &admin, id, &out, &eb), CL_OK, "%s", eb.msg);
	json_decref(out);
	out = NULL;

	/* Another contributor: the same answer as for an id that does not exist. */
	cr_assert_eq(wf_get(st, &bob, id, &out, &eb), CL_ENOTFOUND);
	cr_assert_null(out);
	cr_assert_eq(wf_get(st, &bob, "sub-000000000000", &out, &eb2), CL_ENOTFOUND);
	cr_assert_eq(wf_get(st, &anon, id, &out, &eb), CL_EDENIED);
	cr_assert_eq(wf_get(st, &rev1, "no-such-submission", &out, &eb), CL_ENOTFOUND);
	free(id);
}

/* ---- the whole workflow -------------------------------------------------------------- */

static int audit_count(const char *action, const char *actor, const char *object)
{
	sqlite3_stmt *q = NULL;
	int n;

	cr_assert_eq(sqlite3_prepare_v2(store_db(st),
					"SELECT count(*) FROM audit WHERE action = ?1 AND actor = ?2"
					" AND object = ?3", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, object, -1, SQLITE_STATIC);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return n;
}

static const char *actor(const struct auth_principal *p)
{
	static char buf[4][48];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "token:%s", p->token_id);
	return buf[k];
}

Test(workflow, submit_review_revise_approve)
{
	struct case_problems probs;
	struct cl_errbuf eb = {0};
	json_t *out = NULL, *items, *diff;
	char *s1 = submit(&alice, T1, S1);
	char *s2 = submit(&bob, "Elcyklar i hemtjänsten i Kalmar",
			  "Region Kalmar prövade elcyklar för hemtjänstpersonal.");
	const char *t1b = "Sensorer som upptäcker vattenläckor tidigt i Växjö";
	char *rev = body_of(t1b, "Kortare sammanfattning efter granskarens kommentar.");
	struct snap before;

	case_problems_init(&probs);
	/* Queue: oldest first, reviewers only, status filter. */
	out = queue(&rev1, NULL, CL_OK);
	items = json_object_get(out, "items");
	cr_assert_eq(json_integer_value(json_object_get(out, "total")), 2);
	cr_assert_eq(json_array_size(items), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")), s1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "id")), s2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "title")), T1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0),
							   "contributor")), "Växjö kommun");
	json_decref(out);
	cr_assert_null(queue(&alice, NULL, CL_EDENIED));
	cr_assert_null(queue(&anon, NULL, CL_EDENIED));
	cr_assert_null(queue(&rev1, "pending", CL_EINVAL));
	out = queue(&rev1, "changes_requested", CL_OK);
	cr_assert_eq(json_integer_value(json_object_get(out, "total")), 0);
	json_decref(out);
	cr_assert_eq(wf_queue(st, &rev1, NULL, 0, 101, &out, &eb), CL_EINVAL);

	/* Request changes: a comment is required. */
	before = snapshot();
	cr_assert_eq(decide(&rev1, s1, "request_changes", NULL), CL_EINVAL);
	cr_assert_eq(decide(&rev1, s1, "request_changes", " \n\t"), CL_EINVAL);
	cr_assert_eq(decide(&rev1, s1, "maybe", "hmm"), CL_EINVAL);
	cr_assert_eq(decide(&alice, s1, "request_changes", "I want changes"), CL_EDENIED);
	cr_assert_eq(decide(&anon, s1, "approve", NULL), CL_EDENIED);
	assert_same(before, snapshot(), "refused decisions");
	cr_assert_eq(decide(&rev1, s1, "request_changes", "Korta ner sammanfattningen."), CL_OK);
	assert_status(s1, "changes_requested");
	out = queue(&rev1, NULL, CL_OK);
	cr_assert_eq(json_integer_value(json_object_get(out, "total")), 1);
	json_decref(out);
	out = queue(&rev1, "changes_requested", CL_OK);
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(out, "items"), 0), "id")), s1);
	json_decref(out);
	/* Not waiting for review: no decision. */
	cr_assert_eq(decide(&rev2, s1, "approve", NULL), CL_ECONFLICT);

	/* Revise: only the owner. */
	before = snapshot();
	cr_assert_eq(wf_revise(st, &bob, s1, rev, strlen(rev), &out, &probs, &eb), CL_ENOTFOUND);
	cr_assert_eq(wf_revise(st, &rev1, s1, rev, strlen(rev), &out, &probs, &eb), CL_EDENIED);
	cr_assert_eq(wf_revise(st, &anon, s1, rev, strlen(rev), &out, &probs, &eb), CL_EDENIED);
	cr_assert_eq(wf_revise(st, &alice, s1, "{\"kind\":1}", 10, &out, &probs, &eb),
		     CL_EVALIDATION);
	cr_assert_gt(probs.n, 0);
	case_problems_release(&probs);
	case_problems_init(&probs);
	{
		char *other = NULL;
		cr_assert_neq(asprintf(&other,
				       "{\"id\":\"%s\",\"kind\":\"case\",\"title\":\"x\",\"sources\":"
				       "[{\"url\":\"https://a.se/\",\"retrieved_at\":"
				       "\"2026-01-10T08:00:00Z\"}]}", s2), -1);
		cr_assert_eq(wf_revise(st, &alice, s1, other, strlen(other), &out, &probs, &eb),
			     CL_EVALIDATION, "a body naming another id was accepted");
		cr_assert_str_eq(probs.v[probs.n - 1].path, "$.id");
		free(other);
		case_problems_release(&probs);
		case_problems_init(&probs);
	}
	assert_same(before, snapshot(), "refused revisions");
	assert_status(s1, "changes_requested");

	cr_assert_eq(wf_revise(st, &alice, s1, rev, strlen(rev), &out, &probs, &eb), CL_OK, "%s",
		     eb.msg);
	cr_assert_str_eq(json_string_value(json_object_get(out, "status")), "submitted");
	json_decref(out);
	assert_status(s1, "submitted");

	/* The reviewer sees the diff against the version they asked changes on:
	 * exactly title and summary. */
	cr_assert_eq(wf_get(st, &rev2, s1, &out, &eb), CL_OK, "%s", eb.msg);
	diff = json_object_get(out, "diff");
	cr_assert_eq(json_array_size(diff), 2, "%s", json_dumps(diff, 0));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(diff, 0), "path")),
			 "$.title");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(diff, 0), "before")), T1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(diff, 0), "after")), t1b);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(diff, 1), "path")),
			 "$.summary");
	cr_assert_eq(json_integer_value(json_object_get(out, "diff_from")), 2);
	cr_assert_eq(json_integer_value(json_object_get(out, "version")), 3);
	cr_assert_eq(json_array_size(json_object_get(out, "reviews")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(out, "reviews"), 0), "comment")),
			 "Korta ner sammanfattningen.");
	json_decref(out);

	/* Approve by another reviewer: published. */
	cr_assert_eq(decide(&rev2, s1, "approve", NULL), CL_OK);
	assert_status(s1, "published");
	cr_assert_eq(decide(&rev2, s1, "approve", NULL), CL_ECONFLICT);
	cr_assert_eq(wf_revise(st, &alice, s1, rev, strlen(rev), &out, &probs, &eb), CL_ECONFLICT);

	/* Reject needs a comment. */
	cr_assert_eq(decide(&rev1, s2, "reject", ""), CL_EINVAL);
	assert_status(s2, "submitted");
	cr_assert_eq(decide(&rev1, s2, "reject", "Inte en innovationsupphandling."), CL_OK);
	assert_status(s2, "rejected");
	out = queue(&admin, NULL, CL_OK);
	cr_assert_eq(json_integer_value(json_object_get(out, "total")), 0);
	json_decref(out);

	/* Audit: one entry per step, with the right actor. */
	cr_assert_eq(audit_count("submission.submit", actor(&alice), s1), 1);
	cr_assert_eq(audit_count("submission.submit", actor(&bob), s2), 1);
	cr_assert_eq(audit_count("review.request_changes", actor(&rev1), s1), 1);
	cr_assert_eq(audit_count("submission.revise", actor(&alice), s1), 1);
	cr_assert_eq(audit_count("review.approve", actor(&rev2), s1), 1);
	cr_assert_eq(audit_count("review.reject", actor(&rev1), s2), 1);
	cr_assert_eq(sql_long("SELECT count(*) FROM audit WHERE action LIKE 'submission.%'"
			      " OR action LIKE 'review.%'"), 6);
	cr_assert_eq(sql_long("SELECT count(*) FROM reviews"), 3);
	/* No token text anywhere in the audit, reviews or submissions. */
	for (int i = 0; i < 5; i++) {
		char sql[640];
		snprintf(sql, sizeof sql,
			 "SELECT (SELECT count(*) FROM audit WHERE instr(coalesce(actor,'') ||"
			 " coalesce(object,'') || coalesce(detail,''), '%s') > 0) +"
			 " (SELECT count(*) FROM reviews WHERE instr(coalesce(comment,'') ||"
			 " coalesce(reviewer_token_id,''), '%s') > 0)",
			 tokens[i] + 3, tokens[i] + 3);
		cr_assert_eq(sql_long(sql), 0, "token %d is in the audit", i);
	}
	free(rev);
	free(s1);
	free(s2);
	case_problems_release(&probs);
}

Test(workflow, reviewer_cannot_approve_own_submission)
{
	char *own = submit(&rev1, "Digitala lås i äldreboenden", "Kommunen köpte digitala lås.");
	char *adm = submit(&admin, "Solceller på skolor", "Solceller på skoltak.");
	struct snap before = snapshot();

	cr_assert_eq(decide(&rev1, own, "approve", NULL), CL_EDENIED);
	cr_assert_eq(decide(&admin, adm, "approve", "fine by me"), CL_EDENIED);
	assert_same(before, snapshot(), "own approvals");
	assert_status(own, "submitted");
	cr_assert_eq(decide(&rev2, own, "approve", NULL), CL_OK);
	cr_assert_eq(decide(&admin, own, "approve", NULL), CL_ECONFLICT);
	cr_assert_eq(decide(&rev1, adm, "approve", NULL), CL_OK);
	assert_status(own, "published");
	assert_status(adm, "published");
	free(own);
	free(adm);
}

/* ---- diff ------------------------------------------------------------------------- */

static void parse_json_case(const char *json, struct case_record *c)
{
	struct case_problems probs;

	case_problems_init(&probs);
	case_init(c);
	cr_assert_eq(case_parse(json, strlen(json), 0, c, &probs), CL_OK, "%s",
		     probs.n ? probs.v[0].reason : "");
	case_problems_release(&probs);
}

Test(workflow, diff_lists_exactly_the_changed_fields)
{
	static const struct {
		const char *before, *after;
		const char *paths; /* space-separated, in order */
	} rows[] = {
		{"\"title\":\"A b c\"", "\"title\":\"A b c\"", ""},
		{"\"title\":\"A b c\"", "\"title\":\"A b d\"", "$.title"},
		{"\"title\":\"A b c\",\"status\":\"submitted\"",
		 "\"title\":\"A b c\",\"status\":\"published\"", ""},
		{"\"title\":\"t\",\"buyer\":{\"name\":\"Lunds kommun\",\"country\":\"SE\"}",
		 "\"title\":\"t\",\"buyer\":{\"name\":\"Lund\",\"country\":\"SE\"}",
		 "$.buyer.name"},
		{"\"title\":\"t\",\"goals\":[\"sdg-5\"],\"awarded\":\"2021-01-02\"",
		 "\"title\":\"t\",\"goals\":[\"sdg-5\",\"sdg-13\"]", "$.goals $.awarded"},
		{"\"title\":\"t\"", "\"title\":\"t\",\"buyer\":{\"name\":\"Lund\",\"country\":\"SE\"}",
		 "$.buyer.name $.buyer.country"},
	};

	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		struct case_record a, b;
		char ja[512], jb[512], got[256] = "";
		json_t *d;
		size_t k;

		snprintf(ja, sizeof ja, "{\"id\":\"diff-test\",\"kind\":\"case\",%s,\"sources\":"
			 "[{\"url\":\"https://a.se/\",\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]}",
			 rows[i].before);
		snprintf(jb, sizeof jb, "{\"id\":\"diff-test\",\"kind\":\"case\",%s,\"sources\":"
			 "[{\"url\":\"https://a.se/\",\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]}",
			 rows[i].after);
		parse_json_case(ja, &a);
		parse_json_case(jb, &b);
		b.version = 7; /* bookkeeping never shows */
		d = wf_diff(&a, &b);
		cr_assert_not_null(d);
		for (k = 0; k < json_array_size(d); k++) {
			json_t *o = json_array_get(d, k);
			cr_assert(json_object_get(o, "before") && json_object_get(o, "after"));
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", k ? " " : "",
				 json_string_value(json_object_get(o, "path")));
		}
		cr_expect_str_eq(got, rows[i].paths, "row %zu", i);
		json_decref(d);
		case_release(&a);
		case_release(&b);
	}
}

/* ---- duplicates ------------------------------------------------------------------ */

/* Every demo case of tests/fixtures/demo-cases, into the store. */
static void import_demo(void)
{
	struct case_record *demo;
	size_t n = tu_demo_cases(&demo);

	cr_assert_eq(n, 8);
	for (size_t i = 0; i < n; i++) {
		struct store_put_result r;
		struct cl_errbuf eb = {0};

		cr_assert_eq(store_put_case(st, &demo[i], "import", &r, &eb), CL_OK, "%s", eb.msg);
	}
	tu_cases_free(demo, n);
}

static void check_duplicates(enum engine_kind k)
{
	/* Lund's school meals case, submitted again with a reworded title and
	 * the summary's first sentence only. */
	const char *lund_t = "Klimatsmarta skolmåltider i Lunds kommun — innovationsupphandling";
	const char *lund_s = "Lunds kommun upphandlade livsmedel och måltidslösningar för skolor"
			     " med krav på lägre klimatpåverkan per portion i stället för"
			     " detaljerade produktkrav.";
	struct case_problems probs;
	struct cl_errbuf eb = {0};
	struct engine *e = NULL;
	json_t *out = NULL, *dups;
	char *b;

	import_demo();
	cr_assert_eq(engine_open(k, dir, st, 1, &e, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(sync_engine(st, e, 0, NULL, NULL, NULL, &eb), CL_OK, "%s", eb.msg);
	case_problems_init(&probs);

	b = body_of(lund_t, lund_s);
	cr_assert_eq(wf_submit(st, e, &alice, b, strlen(b), &out, &probs, &eb), CL_OK, "%s",
		     eb.msg);
	cr_assert(json_is_true(json_object_get(out, "duplicates_checked")));
	dups = json_object_get(out, "duplicates");
	cr_assert_geq(json_array_size(dups), 1, "%s: no duplicate found", engine_kind_name(k));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(dups, 0), "id")),
			 "case-lund-skolmaltider-2021");
	cr_assert_geq(json_real_value(json_object_get(json_array_get(dups, 0), "score")), 0.45);
	cr_assert_leq(json_real_value(json_object_get(json_array_get(dups, 0), "score")), 1.0);
	cr_assert_eq(json_array_size(dups), 1, "other demo cases flagged");
	json_decref(out);
	free(b);

	/* A new case on another subject: no duplicate. */
	b = body_of(T1, S1);
	cr_assert_eq(wf_submit(st, e, &alice, b, strlen(b), &out, &probs, &eb), CL_OK, "%s",
		     eb.msg);
	cr_assert(json_is_true(json_object_get(out, "duplicates_checked")));
	cr_assert_eq(json_array_size(json_object_get(out, "duplicates")), 0, "%s",
		     json_dumps(json_object_get(out, "duplicates"), 0));
	json_decref(out);
	free(b);
	case_problems_release(&probs);
	engine_close(e);
}

Test(workflow, duplicates_fts5)
{
	check_duplicates(ENGINE_FTS5);
}

Test(workflow, duplicates_xapian)
{
	check_duplicates(ENGINE_XAPIAN);
}

/* ---- statistics ----------------------------------------------------------------- */

static json_t *find_by(json_t *arr, const char *key, const char *val)
{
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		if (!strcmp(json_string_value(json_object_get(o, key)), val))
			return o;
	}
	return NULL;
}

Test(workflow, statistics_are_aggregated)
{
	struct cl_errbuf eb = {0};
	json_t *out = NULL, *tot, *o;
	unsigned sec_goals = (1u << EF_SECTORS) | (1u << EF_GOALS);

	cr_assert_eq(wf_stats_search(st, "upphandling", 12, 0, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(wf_stats_search(st, "solceller", 3, sec_goals, &eb), CL_OK);
	cr_assert_eq(wf_stats_search(st, "  Vätgas   TANKSTATION ", 0, 1u << EF_SECTORS, &eb),
		     CL_OK);
	cr_assert_eq(wf_stats_search(st, "vätgas tankstation", 0, 0, &eb), CL_OK);
	cr_assert_eq(wf_stats_search(st, "anna.andersson@example.se", 0, 0, &eb), CL_OK);
	cr_assert_eq(wf_stats_search(st, "19800101-1234", 0, 0, &eb), CL_OK);
	cr_assert_eq(wf_stats_search(st, NULL, 0, 0, &eb), CL_OK);
	cr_assert_eq(wf_stats_search(st, "x", -1, 0, &eb), CL_EINVAL);
	cr_assert_eq(wf_stats_view(st, "case-lund-skolmaltider-2021", &eb), CL_OK);
	cr_assert_eq(wf_stats_view(st, "case-lund-skolmaltider-2021", &eb), CL_OK);
	cr_assert_eq(wf_stats_view(st, "uhm-2021-ka1162", &eb), CL_OK);
	cr_assert_eq(wf_stats_view(st, "", &eb), CL_EINVAL);

	cr_assert_eq(wf_stats_report(st, &alice, &out, &eb), CL_EDENIED);
	cr_assert_eq(wf_stats_report(st, &anon, &out, &eb), CL_EDENIED);
	cr_assert_eq(wf_stats_report(st, &rev1, &out, &eb), CL_OK, "%s", eb.msg);
	tot = json_object_get(out, "totals");
	cr_assert_eq(json_integer_value(json_object_get(tot, "searches")), 7);
	cr_assert_eq(json_integer_value(json_object_get(tot, "zero_results")), 5);
	cr_assert_eq(json_integer_value(json_object_get(tot, "case_views")), 3);
	cr_assert_eq(json_array_size(json_object_get(out, "days")), 1);

	o = find_by(json_object_get(out, "zero_result_queries"), "query", "vätgas tankstation");
	cr_assert_not_null(o, "%s", json_dumps(out, 0));
	cr_assert_eq(json_integer_value(json_object_get(o, "count")), 2);
	o = find_by(json_object_get(out, "zero_result_queries"), "query", "(withheld)");
	cr_assert_not_null(o);
	cr_assert_eq(json_integer_value(json_object_get(o, "count")), 2);
	cr_assert_eq(json_array_size(json_object_get(out, "zero_result_queries")), 2,
		     "%s", json_dumps(json_object_get(out, "zero_result_queries"), 0));

	o = find_by(json_object_get(out, "facets"), "facet", "sectors");
	cr_assert_eq(json_integer_value(json_object_get(o, "uses")), 2);
	o = find_by(json_object_get(out, "facets"), "facet", "goals");
	cr_assert_eq(json_integer_value(json_object_get(o, "uses")), 1);
	cr_assert_eq(json_array_size(json_object_get(out, "facets")), 2);

	o = json_array_get(json_object_get(out, "case_views"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(o, "id")),
			 "case-lund-skolmaltider-2021");
	cr_assert_eq(json_integer_value(json_object_get(o, "views")), 2);
	json_decref(out);

	/* Aggregates only: no e-mail address or identity number stored. */
	cr_assert_eq(sql_long("SELECT count(*) FROM stats_zero_queries WHERE query LIKE '%@%'"
			      " OR query LIKE '%1980%'"), 0);
	cr_assert_eq(sql_long("SELECT count(*) FROM stats_daily"), 1);
}

/* The server's buffered statistics: the same totals as the direct calls,
 * written in one flush; nothing reaches the store before it; a full buffer
 * drops and counts instead of growing without bound. */
Test(workflow, buffered_statistics_flush_as_one)
{
	struct cl_errbuf eb = {0};
	struct wf_stats_buf *b = NULL;
	json_t *out = NULL, *tot, *o;

	cr_assert_eq(wf_stats_buf_new(&b, &eb), CL_OK);
	cr_assert_eq(wf_stats_buf_search(b, "upphandling", 12, 1u << EF_SECTORS), CL_OK);
	cr_assert_eq(wf_stats_buf_search(b, "vätgas tankstation", 0, 0), CL_OK);
	cr_assert_eq(wf_stats_buf_search(b, "  Vätgas   TANKSTATION ", 0, 1u << EF_SECTORS), CL_OK);
	cr_assert_eq(wf_stats_buf_search(b, "x", -1, 0), CL_EINVAL);
	cr_assert_eq(wf_stats_buf_view(b, "case-lund-skolmaltider-2021"), CL_OK);
	cr_assert_eq(wf_stats_buf_view(b, ""), CL_EINVAL);
	cr_assert_eq(wf_stats_buf_pending(b), 4);
	cr_assert_eq(sql_long("SELECT count(*) FROM stats_daily"), 0, "written before the flush");

	cr_assert_eq(wf_stats_flush(b, st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(wf_stats_buf_pending(b), 0);
	cr_assert_eq(wf_stats_flush(b, st, &eb), CL_OK, "an empty flush is a no-op");
	cr_assert_eq(wf_stats_report(st, &rev1, &out, &eb), CL_OK, "%s", eb.msg);
	tot = json_object_get(out, "totals");
	cr_assert_eq(json_integer_value(json_object_get(tot, "searches")), 3);
	cr_assert_eq(json_integer_value(json_object_get(tot, "zero_results")), 2);
	cr_assert_eq(json_integer_value(json_object_get(tot, "case_views")), 1);
	o = find_by(json_object_get(out, "zero_result_queries"), "query", "vätgas tankstation");
	cr_assert_not_null(o);
	cr_assert_eq(json_integer_value(json_object_get(o, "count")), 2);
	o = find_by(json_object_get(out, "facets"), "facet", "sectors");
	cr_assert_eq(json_integer_value(json_object_get(o, "uses")), 2);
	json_decref(out);

	for (long i = 0; i < WF_STATS_BUF_MAX; i++)
		cr_assert_eq(wf_stats_buf_view(b, "uhm-2021-ka1162"), CL_OK);
	cr_assert_eq(wf_stats_buf_search(b, "one too many", 1, 0), CL_EBUSY);
	cr_assert_eq(wf_stats_buf_dropped(b), 1);
	cr_assert_eq(wf_stats_buf_pending(b), WF_STATS_BUF_MAX);
	cr_assert_eq(wf_stats_flush(b, st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(sql_long("SELECT views FROM stats_case_views WHERE case_id = 'uhm-2021-ka1162'"),
		     WF_STATS_BUF_MAX);
	wf_stats_buf_free(b);
	wf_stats_buf_free(NULL);
}

/* All statistics rows of a store as text, in a fixed order. */
static char *stats_dump(struct store *s)
{
	static const char *const q[] = {
		"SELECT day || ' ' || searches || ' ' || zero_results || ' ' || case_views"
		" FROM stats_daily ORDER BY day",
		"SELECT query || ' ' || count || ' ' || first_day || ' ' || last_day"
		" FROM stats_zero_queries ORDER BY query",
		"SELECT facet || ' ' || uses FROM stats_facets ORDER BY facet",
		"SELECT case_id || ' ' || views FROM stats_case_views ORDER BY case_id",
		"SELECT word || ' ' || count FROM stats_words ORDER BY word"};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
		sqlite3_stmt *stm = NULL;
		cr_assert_eq(sqlite3_prepare_v2(store_db(s), q[i], -1, &stm, NULL), SQLITE_OK);
		while (sqlite3_step(stm) == SQLITE_ROW)
			fprintf(f, "%s\n", (const char *)sqlite3_column_text(stm, 0));
		sqlite3_finalize(stm);
		fputs("--\n", f);
	}
	fclose(f);
	return buf;
}

/* The buffered flush writes one statement per distinct row (the server's
 * rate at a response-cache hit is many thousands of searches a second);
 * its rows equal those of the direct calls, one per event, on a random
 * mix of searches (repeated and zero-result ones, facets, words that
 * recur across queries, a stopword, an e-mail address) and case views,
 * flushed in batches of random size. */
Test(workflow, buffered_statistics_equal_the_direct_calls)
{
	static const char *const queries[] = {
		"upphandling", "vätgas tankstation", "  Vätgas   TANKSTATION ", "skolmåltider och klimat",
		"innovation i vården", "anna@example.org", "elbussar laddning", "",
		"title:buss -test", "snöröjning 2021", "klimat", "upphandl*"};
	static const char *const ids[] = {"case-lund-skolmaltider-2021", "uhm-2021-ka1162",
					  "case-a", "case-b"};
	struct cl_errbuf eb = {0};
	struct store *direct = NULL;
	struct wf_stats_buf *b = NULL;
	char *ddir = NULL, *want, *got;
	const char *env = getenv("WORKFLOW_SEED"); /* WORKFLOW_SEED=N repeats a run */
	unsigned seed0 = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL), seed = seed0;
	int pending = 0;

	cr_log_info("buffered_statistics_equal_the_direct_calls: seed %u (WORKFLOW_SEED)", seed0);
	direct = tu_store_new(&ddir);
	cr_assert_eq(wf_stats_buf_new(&b, &eb), CL_OK);
	for (int i = 0; i < 3000; i++) {
		unsigned r = (unsigned)rand_r(&seed);
		if (r % 5 == 0) {
			const char *id = ids[(r / 5) % 4];
			cr_assert_eq(wf_stats_view(direct, id, &eb), CL_OK, "%s", eb.msg);
			cr_assert_eq(wf_stats_buf_view(b, id), CL_OK);
		} else {
			const char *q = queries[(r / 5) % (sizeof queries / sizeof *queries)];
			long total = (r / 97) % 3 == 0 ? 0 : (long)(r % 50);
			unsigned facets = (r / 7) % 4 ? 0 : (r / 11) & ((1u << EF_COUNT) - 1);
			cr_assert_eq(wf_stats_search(direct, q, total, facets, &eb), CL_OK, "%s",
				     eb.msg);
			cr_assert_eq(wf_stats_buf_search(b, q, total, facets), CL_OK);
		}
		if (++pending >= 1 + (int)((r / 13) % 700)) {
			cr_assert_eq(wf_stats_flush(b, st, &eb), CL_OK, "%s", eb.msg);
			pending = 0;
		}
	}
	cr_assert_eq(wf_stats_flush(b, st, &eb), CL_OK, "%s", eb.msg);
	want = stats_dump(direct);
	got = stats_dump(st);
	cr_assert_str_eq(got, want, "WORKFLOW_SEED=%u", seed0);
	cr_assert_gt(strlen(want), 200, "%s", want);
	free(want);
	free(got);
	wf_stats_buf_free(b);
	tu_store_drop(&direct, &ddir);
}

/* ---- issue 17: decisions tied to a version, at most one at a time ---------- */

static void revise(const struct auth_principal *who, const char *id, const char *title,
		   const char *summary)
{
	struct case_problems probs;
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	char *b = body_of(title, summary);

	case_problems_init(&probs);
	cr_assert_eq(wf_revise(st, who, id, b, strlen(b), &out, &probs, &eb), CL_OK, "%s", eb.msg);
	json_decref(out);
	free(b);
	case_problems_release(&probs);
}

Test(workflow, decision_on_a_stale_version_conflicts_and_changes_nothing)
{
	char *id = submit(&alice, T1, S1);
	json_t *state = NULL;
	struct snap before;

	/* The reviewer opened version 1; the contributor revises to 2. */
	revise(&alice, id, T1, "Växjö kommun köpte sensorer. Ny text som ingen granskat.");
	cr_assert_eq(cur_version(id), 2);
	before = snapshot();
	cr_assert_eq(decide_v(&rev1, id, "approve", NULL, 1, &state), CL_ECONFLICT);
	cr_assert_not_null(state, "a conflict says what the submission is now");
	cr_assert_eq(json_integer_value(json_object_get(state, "version")), 2);
	cr_assert_str_eq(json_string_value(json_object_get(state, "status")), "submitted");
	json_decref(state);
	cr_assert_eq(decide_v(&rev1, id, "reject", "Nej.", 3, NULL), CL_ECONFLICT);
	cr_assert_eq(decide_v(&rev1, id, "approve", NULL, 0, NULL), CL_EINVAL);
	cr_assert_eq(decide_v(&rev1, id, "approve", NULL, -2, NULL), CL_EINVAL);
	assert_same(before, snapshot(), "decisions on a stale version");
	assert_status(id, "submitted");

	/* On what it says now: published, and the audit names both versions. */
	cr_assert_eq(decide_v(&rev1, id, "approve", NULL, 2, NULL), CL_OK);
	assert_status(id, "published");
	cr_assert_eq(sql_long("SELECT count(*) FROM audit WHERE action = 'review.approve'"
			      " AND detail = 'v3 (reviewed v2)'"), 1);
	/* and a revision after the decision is refused, not reopened */
	{
		struct case_problems probs;
		struct cl_errbuf eb = {0};
		json_t *out = NULL;
		char *b = body_of(T1, "Efter beslutet.");
		case_problems_init(&probs);
		before = snapshot();
		cr_assert_eq(wf_revise(st, &alice, id, b, strlen(b), &out, &probs, &eb),
			     CL_ECONFLICT);
		assert_same(before, snapshot(), "a revision of a published case");
		case_problems_release(&probs);
		free(b);
	}
	free(id);
}

struct racer {
	pthread_barrier_t *go;
	const struct auth_principal *who;
	const char *id, *decision, *comment;
	int rc;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	json_t *out = NULL;

	r->rc = store_open(dir, 0, &s, &eb);
	pthread_barrier_wait(r->go);
	if (r->rc == CL_OK)
		r->rc = wf_decide(s, r->who, r->id, r->decision, r->comment, 1, &out, &eb);
	json_decref(out);
	store_close(s);
	return NULL;
}

/* Issue 17, fault 2: an approve and a reject sent together both
 * succeeded in 20 of 40 trials and a case ended rejected-then-published.
 * Each trial races the two on separate connections: exactly one wins, the
 * other meets CL_ECONFLICT, and the case's history has one decision. */
Test(workflow, concurrent_approve_and_reject_exactly_one_wins, .timeout = 120)
{
	enum { TRIALS = 30 };
	int approved = 0, rejected = 0;

	for (int t = 0; t < TRIALS; t++) {
		char *id = submit(&alice, T1, S1);
		pthread_barrier_t go;
		struct racer r[2] = {
			{&go, &rev1, id, "approve", NULL, -1},
			{&go, &rev2, id, "reject", "Inte innovativt.", -1},
		};
		char sql[256];

		tu_race(2, race, r, sizeof *r, &go);
		cr_assert((r[0].rc == CL_OK) != (r[1].rc == CL_OK),
			  "trial %d: approve %s, reject %s", t, cl_strerror(r[0].rc),
			  cl_strerror(r[1].rc));
		cr_assert_eq(r[0].rc == CL_OK ? r[1].rc : r[0].rc, CL_ECONFLICT, "trial %d", t);
		assert_status(id, r[0].rc == CL_OK ? "published" : "rejected");
		snprintf(sql, sizeof sql, "SELECT count(*) FROM reviews WHERE submission_id = '%s'",
			 id);
		cr_assert_eq(sql_long(sql), 1, "trial %d: two decisions recorded", t);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM case_versions WHERE case_id = '%s'"
					  " AND status IN ('published', 'rejected')", id);
		cr_assert_eq(sql_long(sql), 1, "trial %d: both states in the history", t);
		approved += r[0].rc == CL_OK;
		rejected += r[1].rc == CL_OK;
		free(id);
	}
	cr_assert_eq(approved + rejected, TRIALS);
}

/* Issue 17, fault 4: one person with a contributor and a reviewer token
 * approved their own case. Persons are compared, folded. */
Test(workflow, four_eyes_compares_persons)
{
	struct auth_token_spec c = {ROLE_CONTRIBUTOR, "Anna på Växjö kommun", "Anna Åberg", NULL};
	struct auth_token_spec r = {ROLE_REVIEWER, "Granskare Anna", "anna åberg", NULL};
	struct auth_principal anna_c, anna_r;
	char tok[AUTH_TOKEN_LEN + 1], tid[40], hdr[AUTH_TOKEN_LEN + 16];
	struct cl_errbuf eb = {0};
	struct snap before;
	char *id;

	cr_assert_eq(auth_token_issue(st, &c, tok, tid, &eb), CL_OK, "%s", eb.msg);
	snprintf(hdr, sizeof hdr, "Bearer %s", tok);
	cr_assert_eq(auth_verify(st, hdr, &anna_c, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(anna_c.person, "Anna Åberg");
	cr_assert_eq(auth_token_issue(st, &r, tok, tid, &eb), CL_OK, "%s", eb.msg);
	snprintf(hdr, sizeof hdr, "Bearer %s", tok);
	cr_assert_eq(auth_verify(st, hdr, &anna_r, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_neq(anna_c.token_id, anna_r.token_id);

	id = submit(&anna_c, T1, S1);
	before = snapshot();
	cr_assert_eq(decide(&anna_r, id, "approve", NULL), CL_EDENIED);
	assert_same(before, snapshot(), "an approval by the same person");
	assert_status(id, "submitted");
	/* someone else may */
	cr_assert_eq(decide(&rev1, id, "approve", NULL), CL_OK);
	free(id);
	/* a token made without --person: its name is the person */
	cr_assert_str_eq(alice.person, "Växjö kommun");
}

struct submitter {
	pthread_barrier_t *go;
	const char *body;
	int rc;
	char id[CASE_ID_MAX + 1];
};

static void *submit_racer(void *arg)
{
	struct submitter *m = arg;
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	struct case_problems probs;
	json_t *out = NULL;

	case_problems_init(&probs);
	m->rc = store_open(dir, 0, &s, &eb);
	pthread_barrier_wait(m->go);
	if (m->rc == CL_OK)
		m->rc = wf_submit(s, NULL, &alice, m->body, strlen(m->body), &out, &probs, &eb);
	if (m->rc == CL_OK)
		snprintf(m->id, sizeof m->id, "%s", json_string_value(json_object_get(out, "id")));
	json_decref(out);
	case_problems_release(&probs);
	store_close(s);
	return NULL;
}

/* Issue 17, fault 3: a contributor chose a harvester's id, learned from
 * 409 vs 201 whether an unpublished case existed, and two submissions of
 * one id at once gave a 500. Now every submission gets an id of its own. */
Test(workflow, proposed_ids_are_the_servers_and_never_collide, .timeout = 60)
{
	enum { N = 6 };
	static const char body[] =
		"{\"id\":\"ocds-ocds-213czf-000-00001\",\"kind\":\"case\",\"title\":\"Lånat id\","
		"\"sources\":[{\"url\":\"https://a.se/\",\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]}";
	pthread_barrier_t go;
	struct submitter m[N];
	char longid[200], *lbody = NULL;
	struct case_problems probs;
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	struct snap before;

	for (int i = 0; i < N; i++)
		m[i] = (struct submitter){&go, body, -1, ""};
	tu_race(N, submit_racer, m, sizeof *m, &go);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(m[i].rc, CL_OK, "submitter %d: %s", i, cl_strerror(m[i].rc));
		cr_assert(!strncmp(m[i].id, "sub-ocds-ocds-213czf-000-00001-", 31), "%s", m[i].id);
		for (int k = 0; k < i; k++)
			cr_assert_str_neq(m[i].id, m[k].id);
	}
	cr_assert_eq(cur_version("ocds-ocds-213czf-000-00001"), 0, "a harvester's id was taken");
	cr_assert_eq(sql_long("SELECT count(*) FROM submissions"), N);

	/* a proposal too long for the scheme: a problem at $.id, nothing stored */
	memset(longid, 'a', 84);
	longid[84] = '\0';
	cr_assert_neq(asprintf(&lbody, "{\"id\":\"%s\",\"kind\":\"case\",\"title\":\"x y z\","
				      "\"sources\":[{\"url\":\"https://a.se/\","
				      "\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]}", longid), -1);
	case_problems_init(&probs);
	before = snapshot();
	cr_assert_eq(wf_submit(st, NULL, &alice, lbody, strlen(lbody), &out, &probs, &eb),
		     CL_EVALIDATION);
	cr_assert_eq(probs.n, 1);
	cr_assert_str_eq(probs.v[0].path, "$.id");
	cr_assert_not_null(strstr(probs.v[0].reason, "83"), "%s", probs.v[0].reason);
	assert_same(before, snapshot(), "a too long proposed id");
	case_problems_release(&probs);
	free(lbody);
}

/* Issue 17, item 8: API submissions accepted file: source URLs. */
Test(workflow, submissions_cite_web_sources_only)
{
	static const char bad[] =
		"{\"kind\":\"case\",\"title\":\"Lokala filer\",\"sources\":["
		"{\"url\":\"https://a.se/\",\"retrieved_at\":\"2026-01-10T08:00:00Z\"},"
		"{\"url\":\"file:///etc/passwd\",\"retrieved_at\":\"2026-01-10T08:00:00Z\"},"
		"{\"url\":\"FILE:///var/lib/caselib/caselib.db\",\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]}";
	char *id = submit(&alice, T1, S1);
	struct case_problems probs;
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	struct snap before = snapshot();

	refused(bad, &probs);
	cr_assert_eq(probs.n, 2, "%zu problems", probs.n);
	cr_assert_str_eq(probs.v[0].path, "$.sources[1].url");
	cr_assert_str_eq(probs.v[1].path, "$.sources[2].url");
	cr_assert_not_null(strstr(probs.v[0].reason, "http or https"), "%s", probs.v[0].reason);
	case_problems_release(&probs);
	/* a revision is held to the same rule */
	case_problems_init(&probs);
	cr_assert_eq(wf_revise(st, &alice, id, bad, strlen(bad), &out, &probs, &eb),
		     CL_EVALIDATION);
	cr_assert_eq(probs.n, 2);
	case_problems_release(&probs);
	/* together with the record's own problems, all at once */
	case_problems_init(&probs);
	{
		static const char two[] = "{\"kind\":\"case\",\"sources\":[{\"url\":\"file:///x\","
					  "\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]}";
		cr_assert_eq(wf_submit(st, NULL, &alice, two, strlen(two), &out, &probs, &eb),
			     CL_EVALIDATION);
	}
	cr_assert_eq(probs.n, 2, "%zu", probs.n);
	case_problems_release(&probs);
	assert_same(before, snapshot(), "submissions citing local files");
	cr_assert_eq(cur_version(id), 1);
	free(id);
}

/* Issue 17, fault 3: a harvest merged an official notice into a
 * contributor's case of the same id (possible with ids chosen before
 * schema 4). Such a record is refused and reported; the rest is stored. */
Test(workflow, harvest_never_merges_into_a_submission)
{
	struct case_record c;
	struct store_put_result res;
	struct cl_errbuf eb = {0};
	struct case_problems probs;
	struct sources ss;
	struct harvest_opts o;
	struct harvest_report rep;
	char *src = tu_tmpdir(), path[512], *json = NULL, *title;
	static const char rec[] =
		"[{\"id\":\"ocds-legacy-1\",\"kind\":\"procurement\",\"title\":\"Officiell annons\","
		"\"sources\":[{\"url\":\"https://example.org/notice/1\",\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]},"
		"{\"id\":\"ocds-legacy-2\",\"kind\":\"procurement\",\"title\":\"En annan annons\","
		"\"sources\":[{\"url\":\"https://example.org/notice/2\",\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]}]";

	/* a submission of an old store, with the id its contributor chose */
	case_init(&c);
	case_problems_init(&probs);
	{
		static const char legacy[] =
			"{\"id\":\"ocds-legacy-1\",\"kind\":\"case\",\"status\":\"submitted\","
			"\"title\":\"Bidragsgivarens text\",\"sources\":[{\"url\":\"https://a.se/\","
			"\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]}";
		cr_assert_eq(case_parse(legacy, strlen(legacy), 0, &c, &probs), CL_OK, "%s",
			     probs.n ? probs.v[0].reason : "");
	}
	cr_assert_eq(store_put_case(st, &c, actor(&alice), &res, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(sqlite3_exec(store_db(st), "INSERT INTO submissions(id, case_id, token_id, status,"
				  " created_at, updated_at) VALUES ('ocds-legacy-1', 'ocds-legacy-1', NULL,"
				  " 'submitted', '2026-01-10T08:00:00Z', '2026-01-10T08:00:00Z')",
				  NULL, NULL, NULL), SQLITE_OK);
	case_release(&c);
	case_problems_release(&probs);

	snprintf(path, sizeof path, "%s/notices.json", src);
	tu_write_file(path, rec, strlen(rec));
	cr_assert(asprintf(&json, "{\"defaults\": {\"delay_ms\": 0}, \"sources\": [{\"name\": \"n\","
				  " \"url\": \"file://%s\", \"format\": \"case-json\","
				  " \"licence\": \"CC0-1.0\"}]}", path) > 0);
	sources_init(&ss);
	harvest_report_init(&rep);
	cr_assert_eq(sources_parse(&ss, json, strlen(json), "t", &eb), CL_OK, "%s", eb.msg);
	memset(&o, 0, sizeof o);
	cr_assert_eq(harvest_run(st, &ss, &o, &rep, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(rep.n, 1);
	cr_assert_eq(rep.v[0].created, 1, "the other notice is stored");
	cr_assert_eq(rep.v[0].rejected, 1);
	cr_assert_eq(rep.v[0].merged, 0);
	cr_assert_eq(rep.v[0].nrejects, 1);
	cr_assert_not_null(strstr(rep.v[0].rejects[0].reason, "submission"), "%s",
			   rep.v[0].rejects[0].reason);
	cr_assert_eq(cur_version("ocds-legacy-1"), 1, "the submission was written to");
	assert_status("ocds-legacy-1", "submitted");
	case_init(&c);
	cr_assert_eq(store_get_case(st, "ocds-legacy-1", &c, &eb), CL_OK);
	title = c.title;
	cr_assert_str_eq(title, "Bidragsgivarens text");
	cr_assert_eq(c.nsources, 1, "official provenance on the contributor's text");
	case_release(&c);
	harvest_report_release(&rep);
	sources_release(&ss);
	free(json);
	tu_rmtree(src);
	free(src);
}

/* The ids in a wf_mine answer, as one space-separated string. */
static void mine_ids(const struct auth_principal *who, size_t offset, size_t limit, long *total,
		     char *buf, size_t cap)
{
	struct cl_errbuf eb = {0};
	json_t *out = NULL, *it;
	size_t i;

	cr_assert_eq(wf_mine(st, who, offset, limit, &out, &eb), CL_OK, "%s", eb.msg);
	*total = (long)json_integer_value(json_object_get(out, "total"));
	buf[0] = '\0';
	json_array_foreach(json_object_get(out, "items"), i, it) {
		cr_assert(json_is_string(json_object_get(it, "title")));
		cr_assert(json_is_integer(json_object_get(it, "version")));
		cr_assert(json_is_string(json_object_get(it, "updated_at")));
		strncat(buf, json_string_value(json_object_get(it, "id")), cap - strlen(buf) - 2);
		strcat(buf, " ");
	}
	json_decref(out);
}

/* Issue 13 point 9: "Mina inskickade fall" from the server. A contributor
 * lists the submissions of their person (any of their tokens), newest
 * change first, with the reviewer's last comment; never another person's;
 * a token without a person lists its own only; paging by limit/offset. */
Test(workflow, mine_lists_the_persons_own_submissions_only)
{
	struct auth_token_spec c1 = {ROLE_CONTRIBUTOR, "Anna, laptop", "Anna Åberg", NULL};
	struct auth_token_spec c2 = {ROLE_CONTRIBUTOR, "Anna, telefon", "ANNA ÅBERG", NULL};
	struct auth_principal anna1, anna2, nobody;
	char tok[AUTH_TOKEN_LEN + 1], tid[40], hdr[AUTH_TOKEN_LEN + 16], ids[2048], page2[2048];
	struct cl_errbuf eb = {0};
	json_t *out = NULL, *it;
	char *a[3], *b1, *r1, *n1, *x1, *x2;
	long total;
	size_t i;

	for (int k = 0; k < 3; k++)
		a[k] = submit(&alice, T1, S1);
	b1 = submit(&bob, "Bobs fall", "Något annat.");
	r1 = submit(&rev1, "Granskarens eget fall", "Något tredje.");
	cr_assert_eq(auth_token_issue(st, &c1, tok, tid, &eb), CL_OK, "%s", eb.msg);
	snprintf(hdr, sizeof hdr, "Bearer %s", tok);
	cr_assert_eq(auth_verify(st, hdr, &anna1, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(auth_token_issue(st, &c2, tok, tid, &eb), CL_OK, "%s", eb.msg);
	snprintf(hdr, sizeof hdr, "Bearer %s", tok);
	cr_assert_eq(auth_verify(st, hdr, &anna2, &eb), CL_OK, "%s", eb.msg);
	x1 = submit(&anna1, "Annas första", "Från laptopen.");
	x2 = submit(&anna2, "Annas andra", "Från telefonen.");
	cr_assert_eq(decide(&rev1, a[1], "request_changes", "Lägg till en källa om utfallet."),
		     CL_OK);

	/* alice: her three, newest change first (times have whole seconds:
	 * the other two are made older) */
	{
		char sql[256];
		snprintf(sql, sizeof sql, "UPDATE submissions SET updated_at = '2020-01-01T00:00:00Z'"
			 " WHERE id IN ('%s', '%s')", a[0], a[2]);
		cr_assert_eq(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
	}
	mine_ids(&alice, 0, 0, &total, ids, sizeof ids);
	cr_assert_eq(total, 3, "%s", ids);
	for (int k = 0; k < 3; k++)
		cr_assert_not_null(strstr(ids, a[k]), "%s lacks %s", ids, a[k]);
	cr_assert_null(strstr(ids, b1));
	cr_assert_null(strstr(ids, r1));
	cr_assert_null(strstr(ids, x1));
	cr_assert(!strncmp(ids, a[1], strlen(a[1])), "newest change first: %s", ids);
	cr_assert_eq(wf_mine(st, &alice, 0, 0, &out, &eb), CL_OK);
	json_array_foreach(json_object_get(out, "items"), i, it) {
		json_t *lc = json_object_get(it, "last_comment");
		cr_assert(json_is_true(json_object_get(it, "this_token")));
		if (!strcmp(json_string_value(json_object_get(it, "id")), a[1])) {
			cr_assert_str_eq(json_string_value(json_object_get(it, "status")),
					 "changes_requested");
			cr_assert_str_eq(json_string_value(json_object_get(lc, "decision")),
					 "request_changes");
			cr_assert_str_eq(json_string_value(json_object_get(lc, "comment")),
					 "Lägg till en källa om utfallet.");
			cr_assert(json_is_string(json_object_get(lc, "at")));
		} else {
			cr_assert(json_is_null(lc), "no comment yet");
		}
	}
	json_decref(out);

	/* paging: two and one, together the three */
	mine_ids(&alice, 0, 2, &total, ids, sizeof ids);
	mine_ids(&alice, 2, 2, &total, page2, sizeof page2);
	cr_assert_eq(total, 3);
	strncat(ids, page2, sizeof ids - strlen(ids) - 1);
	for (int k = 0; k < 3; k++) {
		const char *p = strstr(ids, a[k]);
		cr_assert_not_null(p, "%s", ids);
		cr_assert_null(strstr(p + 1, a[k]), "twice: %s", ids);
	}

	/* bob, the reviewer: their own only */
	mine_ids(&bob, 0, 0, &total, ids, sizeof ids);
	cr_assert_eq(total, 1);
	cr_assert(!strncmp(ids, b1, strlen(b1)));
	mine_ids(&rev1, 0, 0, &total, ids, sizeof ids);
	cr_assert_eq(total, 1);
	cr_assert(!strncmp(ids, r1, strlen(r1)));

	/* Anna's two tokens name one person (folded): both lists hold both,
	 * this_token says which one her token made */
	mine_ids(&anna2, 0, 0, &total, ids, sizeof ids);
	cr_assert_eq(total, 2, "%s", ids);
	cr_assert_not_null(strstr(ids, x1));
	cr_assert_not_null(strstr(ids, x2));
	cr_assert_eq(wf_mine(st, &anna1, 0, 0, &out, &eb), CL_OK);
	json_array_foreach(json_object_get(out, "items"), i, it)
		cr_assert_eq(json_is_true(json_object_get(it, "this_token")),
			     !strcmp(json_string_value(json_object_get(it, "id")), x1));
	json_decref(out);

	/* tokens without a person: each lists its own submissions only (two
	 * empty persons are not one person) */
	{
		char sql[256];
		snprintf(sql, sizeof sql, "UPDATE tokens SET person = '' WHERE id IN ('%s', '%s')",
			 alice.token_id, bob.token_id);
		cr_assert_eq(sqlite3_exec(store_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
	}
	nobody = alice;
	nobody.person[0] = '\0';
	n1 = a[0];
	mine_ids(&nobody, 0, 0, &total, ids, sizeof ids);
	cr_assert_eq(total, 3, "by token: %s", ids);
	cr_assert_not_null(strstr(ids, n1));
	cr_assert_null(strstr(ids, b1));

	/* refusals */
	cr_assert_eq(wf_mine(st, &anon, 0, 0, &out, &eb), CL_EDENIED);
	cr_assert_null(out);
	cr_assert_eq(wf_mine(st, &alice, 0, 101, &out, &eb), CL_EINVAL);
	cr_assert_eq(wf_mine(st, &alice, 100001, 0, &out, &eb), CL_EINVAL);

	for (int k = 0; k < 3; k++)
		free(a[k]);
	free(b1);
	free(r1);
	free(x1);
	free(x2);
}

/* Issue 13 point 9: the duplicate warning before the case is stored.
 * wf_check answers what wf_submit would (the same duplicates, with buyer
 * and year for the page; the same problems with their codes) and writes
 * nothing: no case, version, submission, audit row or change. */
Test(workflow, check_warns_of_duplicates_and_stores_nothing)
{
	const char *lund_t = "Klimatsmarta skolmåltider i Lunds kommun — innovationsupphandling";
	const char *lund_s = "Lunds kommun upphandlade livsmedel och måltidslösningar för skolor"
			     " med krav på lägre klimatpåverkan per portion i stället för"
			     " detaljerade produktkrav.";
	struct case_problems probs;
	struct cl_errbuf eb = {0};
	struct engine *e = NULL;
	json_t *out = NULL, *d0;
	struct snap before;
	char *b;

	import_demo();
	cr_assert_eq(engine_open(ENGINE_FTS5, dir, st, 1, &e, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(sync_engine(st, e, 0, NULL, NULL, NULL, &eb), CL_OK, "%s", eb.msg);
	case_problems_init(&probs);
	before = snapshot();

	b = body_of(lund_t, lund_s);
	cr_assert_eq(wf_check(st, e, &alice, b, strlen(b), &out, &probs, &eb), CL_OK, "%s",
		     eb.msg);
	cr_assert(json_is_true(json_object_get(out, "valid")));
	cr_assert(json_is_true(json_object_get(out, "duplicates_checked")));
	cr_assert_eq(json_array_size(json_object_get(out, "duplicates")), 1);
	d0 = json_array_get(json_object_get(out, "duplicates"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(d0, "id")), "case-lund-skolmaltider-2021");
	cr_assert_str_eq(json_string_value(json_object_get(d0, "buyer")), "Lunds kommun");
	cr_assert_eq(json_integer_value(json_object_get(d0, "year")), 2021);
	cr_assert_geq(json_real_value(json_object_get(d0, "score")), 0.45);
	json_decref(out);
	free(b);

	b = body_of(T1, S1);
	cr_assert_eq(wf_check(st, e, &alice, b, strlen(b), &out, &probs, &eb), CL_OK, "%s",
		     eb.msg);
	cr_assert_eq(json_array_size(json_object_get(out, "duplicates")), 0);
	json_decref(out);
	free(b);

	/* an invalid draft: every problem, with its code, as wf_submit gives */
	{
		static const char draft[] =
			"{\"kind\":\"case\",\"buyer\":{\"org_number\":\"212000-1133\"},"
			"\"sources\":[{\"url\":\"file:///x\",\"retrieved_at\":"
			"\"2026-01-01T10:00:00Z\"}]}";
		cr_assert_eq(wf_check(st, e, &alice, draft, strlen(draft), &out, &probs, &eb),
			     CL_EVALIDATION);
	}
	cr_assert_null(out);
	cr_assert_eq(probs.n, 3, "title, org number, source: %zu", probs.n);
	for (size_t i = 0; i < probs.n; i++) {
		const char *want = !strcmp(probs.v[i].path, "$.title") ? "required"
				   : !strcmp(probs.v[i].path, "$.buyer.org_number") ? "orgnr_checksum"
										 : "url_scheme";
		cr_assert_str_eq(case_pcode_name(probs.v[i].code), want, "%s", probs.v[i].path);
	}
	case_problems_release(&probs);

	/* roles as for submitting */
	case_problems_init(&probs);
	b = body_of(T1, S1);
	cr_assert_eq(wf_check(st, e, &anon, b, strlen(b), &out, &probs, &eb), CL_EDENIED);
	cr_assert_eq(wf_check(st, e, &rev1, b, strlen(b), &out, &probs, &eb), CL_OK);
	json_decref(out);
	free(b);
	case_problems_release(&probs);
	assert_same(before, snapshot(), "checks");
	engine_close(e);
}

/* The count of word w in the report's top_words, 0 when absent. */
static long top_word(const json_t *report, const char *w)
{
	const json_t *o = find_by(json_object_get(report, "top_words"), "word", w);
	return o ? (long)json_integer_value(json_object_get(o, "count")) : 0;
}

/* Issue 13 point 10: "most searched words" for the follow-up. Words are
 * counted one by one, folded, once per search; stopwords, operators, field
 * names and words touching digits are not words; a search that may name a
 * person (an e-mail address, an identity number) gives none; the report
 * shows only words counted in at least 3 searches; the table is capped. */
Test(workflow, most_searched_words_without_personal_data)
{
	struct cl_errbuf eb = {0};
	struct wf_stats_buf *b = NULL;
	json_t *out = NULL, *o;
	size_t i;

	for (int k = 0; k < 3; k++) {
		cr_assert_eq(wf_stats_search(st, "Skolmåltider i Lund", 12, 0, &eb), CL_OK, "%s",
			     eb.msg);
		cr_assert_eq(wf_stats_search(st, "title:skola AND Cirkulära möbler", 0, 0, &eb),
			     CL_OK);
		cr_assert_eq(wf_stats_search(st, "anna.andersson@example.se skolmåltider", 4, 0,
					     &eb), CL_OK);
		cr_assert_eq(wf_stats_search(st, "19800101-1234 Lund", 1, 0, &eb), CL_OK);
		cr_assert_eq(wf_stats_search(st, "covid19 vård", 5, 0, &eb), CL_OK);
	}
	cr_assert_eq(wf_stats_search(st, "LUND lund Lund klimat", 2, 0, &eb), CL_OK);
	/* the server's buffered path counts the same way */
	cr_assert_eq(wf_stats_buf_new(&b, &eb), CL_OK);
	cr_assert_eq(wf_stats_buf_search(b, "skolmåltider", 7, 0), CL_OK);
	cr_assert_eq(wf_stats_flush(b, st, &eb), CL_OK, "%s", eb.msg);
	wf_stats_buf_free(b);

	cr_assert_eq(wf_stats_report(st, &rev1, &out, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(json_integer_value(json_object_get(out, "top_words_min_count")), 3);
	cr_assert_eq(top_word(out, "skolmåltider"), 4, "%s", json_dumps(out, 0));
	cr_assert_eq(top_word(out, "lund"), 4);      /* once per search */
	cr_assert_eq(top_word(out, "cirkulära"), 3);
	cr_assert_eq(top_word(out, "möbler"), 3);
	cr_assert_eq(top_word(out, "vård"), 3);
	cr_assert_eq(top_word(out, "skola"), 3);    /* the field name "title" is not a word */
	cr_assert_eq(top_word(out, "klimat"), 0);    /* one search: not shown */
	cr_assert_eq(sql_long("SELECT count FROM stats_words WHERE word = 'klimat'"), 1);
	o = json_array_get(json_object_get(out, "top_words"), 0);
	cr_assert_eq(json_integer_value(json_object_get(o, "count")), 4, "most searched first");
	json_array_foreach(json_object_get(out, "top_words"), i, o)
		cr_assert_geq(json_integer_value(json_object_get(o, "count")), 3);
	json_decref(out);
	/* nothing else was kept: no stopword, operator, field name, digits,
	 * e-mail or identity number */
	cr_assert_eq(sql_long("SELECT count(*) FROM stats_words WHERE word NOT IN"
			      " ('skolmåltider', 'lund', 'cirkulära', 'möbler', 'vård', 'klimat',"
			      " 'skola')"),
		     0, "%ld words kept", sql_long("SELECT count(*) FROM stats_words"));

	/* at most WF_WORDS_ROWS (20,000) words: then only those kept count */
	cr_assert_eq(sqlite3_exec(store_db(st),
				  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
				  " WHERE i < 19993) INSERT INTO stats_words(word, count)"
				  " SELECT 'w' || printf('%05d', i), 1 FROM n",
				  NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(sql_long("SELECT count(*) FROM stats_words"), 20000);
	cr_assert_eq(wf_stats_search(st, "vätgas lund", 3, 0, &eb), CL_OK);
	cr_assert_eq(sql_long("SELECT count(*) FROM stats_words"), 20000);
	cr_assert_eq(sql_long("SELECT count FROM stats_words WHERE word = 'lund'"), 5);
	cr_assert_eq(sql_long("SELECT count(*) FROM stats_words WHERE word = 'vätgas'"), 0);
}
