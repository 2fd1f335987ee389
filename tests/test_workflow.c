/* test_workflow.c — submissions, review and follow-up statistics
 * (api/workflow.h) on a real store: submit (valid, invalid with every
 * problem reported), who may read what, the queue, request changes,
 * revise, field-level diff, approve/reject rules, the audit trail without
 * token text, duplicate warnings against the demo corpus in both engines,
 * aggregated statistics, and that no rejected call loses or adds data. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "case.h"
#include "engine.h"
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
	dir = tu_tmpdir();
	cr_assert_eq(store_open(dir, STORE_CREATE, &st, &eb), CL_OK, "%s", eb.msg);
	principal(0, ROLE_CONTRIBUTOR, "Växjö kommun", &alice);
	principal(1, ROLE_CONTRIBUTOR, "Region Kalmar", &bob);
	principal(2, ROLE_REVIEWER, "KKV granskare 1", &rev1);
	principal(3, ROLE_REVIEWER, "KKV granskare 2", &rev2);
	principal(4, ROLE_ADMIN, "KKV admin", &admin);
	memset(&anon, 0, sizeof anon);
}

static void teardown(void)
{
	store_close(st);
	st = NULL;
	tu_rmtree(dir);
	free(dir);
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
	sqlite3_stmt *q = NULL;
	long v;

	cr_assert_eq(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL), SQLITE_OK, "%s", sql);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	v = (long)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
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

static int decide(const struct auth_principal *who, const char *id, const char *decision,
		  const char *comment)
{
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	int rc = wf_decide(st, who, id, decision, comment, &out, &eb);

	if (rc == CL_OK) {
		cr_assert_not_null(out);
		cr_assert_str_eq(json_string_value(json_object_get(out, "decision")), decision);
	} else {
		cr_assert_null(out);
		cr_assert(eb.msg[0], "no reason for %s", cl_strerror(rc));
	}
	json_decref(out);
	return rc;
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

	/* A body that sets status "published" and its own id: the id is kept,
	 * the status is the workflow's. */
	free(b);
	b = strdup("{\"id\":\"vaxjo-lackage-2024\",\"status\":\"published\",\"kind\":\"case\","
		   "\"title\":\"Läckagesensorer\",\"sources\":[{\"url\":\"https://vaxjo.se/x\","
		   "\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]}");
	cr_assert_eq(wf_submit(st, NULL, &bob, b, strlen(b), &out, &probs, &eb), CL_OK, "%s",
		     eb.msg);
	cr_assert_str_eq(json_string_value(json_object_get(out, "id")), "vaxjo-lackage-2024");
	assert_status("vaxjo-lackage-2024", "submitted");
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

	case_problems_init(&probs);
	cr_assert_eq(wf_submit(st, NULL, &alice, bad, strlen(bad), &out, &probs, &eb),
		     CL_EVALIDATION);
	cr_assert_null(out);
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
	/* An id that exists already: a submission never overwrites a case. */
	cr_assert_neq(asprintf(&dupid,
			       "{\"id\":\"%s\",\"kind\":\"case\",\"title\":\"x y z\",\"sources\":"
			       "[{\"url\":\"https://a.se/\",\"retrieved_at\":\"2026-01-10T08:00:00Z\"}]}",
			       id), -1);
	cr_assert_eq(wf_submit(st, NULL, &bob, dupid, strlen(dupid), &out, &probs, &eb),
		     CL_EEXISTS);
	cr_assert_null(out);
	assert_same(before, snapshot(), "refused submissions");
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

static const char *const demo_files[] = {
	"tests/fixtures/demo-cases/goteborg-fossilfria-arbetsmaskiner.json",
	"tests/fixtures/demo-cases/helsingborg-circular-furniture-en.json",
	"tests/fixtures/demo-cases/kristianstad-solkraft-2021.json",
	"tests/fixtures/demo-cases/lund-skolmaltider.json",
	"tests/fixtures/demo-cases/region-skane-pcp-digital-halsa.json",
	"tests/fixtures/demo-cases/region-stockholm-elbatar.json",
	"tests/fixtures/demo-cases/trafikverket-klimatsmart-betong.json",
	"tests/fixtures/demo-cases/vgr-innovation-partnership-en.json",
};

static void import_demo(void)
{
	for (size_t i = 0; i < sizeof demo_files / sizeof *demo_files; i++) {
		struct case_problems probs;
		struct case_record c;
		struct store_put_result r;
		struct cl_errbuf eb = {0};
		size_t len = 0;
		char *text = tu_read_file(demo_files[i], &len);

		cr_assert_not_null(text, "%s", demo_files[i]);
		case_problems_init(&probs);
		case_init(&c);
		cr_assert_eq(case_parse(text, len, 0, &c, &probs), CL_OK, "%s", demo_files[i]);
		cr_assert_eq(store_put_case(st, &c, "import", &r, &eb), CL_OK, "%s", eb.msg);
		case_release(&c);
		case_problems_release(&probs);
		free(text);
	}
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
