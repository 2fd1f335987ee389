/* fts5tok.c — the FTS5 tokenizer "caselib" (see fts5tok.h): argument
 * parsing, FTS5 mode to analyser mode, token callback glue, and the
 * registration through fts5_api. */
#include "fts5tok.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "textan.h"

/* Fts5Tokenizer is an opaque type of FTS5's; ours is this struct. */
struct fts5tok {
	struct ta *ta;
};

static int tok_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
	const char *lang = "sv";
	unsigned flags = TA_SURFACE;
	struct fts5tok *t = NULL;
	struct cl_errbuf eb;
	enum ta_lang l;

	(void)ctx;
	*out = NULL;
	for (int i = 0; i < argc; i++) {
		if (ta_lang_parse(argv[i], &l) == CL_OK)
			lang = argv[i];
		else if (strcmp(argv[i], "decompound") == 0)
			flags |= TA_DECOMPOUND;
		else if (strcmp(argv[i], "nostop") == 0)
			flags |= TA_NO_STOPWORDS;
		else if (strcmp(argv[i], "nostem") == 0)
			flags |= TA_NO_STEM;
		else if (strcmp(argv[i], "nosurface") == 0)
			flags &= ~TA_SURFACE;
		else
			return SQLITE_ERROR;
	}
	t = calloc(1, sizeof *t);
	if (!t)
		return SQLITE_NOMEM;
	if (ta_open(&t->ta, lang, flags, &eb) != CL_OK) {
		free(t);
		return SQLITE_ERROR;
	}
	/* Load the shared dictionary now rather than in the first INSERT; if
	 * it is missing, decompounding is off (textan.h). */
	if (flags & TA_DECOMPOUND)
		(void)ta_decompound_available();
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *p)
{
	struct fts5tok *t = (struct fts5tok *)p;

	if (!t)
		return;
	ta_close(t->ta);
	free(t);
}

struct tok_cb {
	void *ctx;
	int (*xToken)(void *, int, const char *, int, int, int);
};

static int tok_emit(void *ud, const struct ta_token *tok)
{
	const struct tok_cb *c = ud;

	/* FTS5's ints: the text is shorter than INT_MAX, so are the offsets */
	return c->xToken(c->ctx, (tok->flags & TA_TOK_COLOCATED) ? FTS5_TOKEN_COLOCATED : 0,
			 tok->term, (int)tok->len, (int)tok->start, (int)tok->end);
}

static int tok_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int len,
			int (*xToken)(void *, int, const char *, int, int, int))
{
	struct fts5tok *t = (struct fts5tok *)p;
	struct tok_cb c = { ctx, xToken };
	unsigned mode = 0;
	int rc;

	if (flags & FTS5_TOKENIZE_QUERY) {
		mode |= TA_QUERY;
		if (flags & FTS5_TOKENIZE_PREFIX)
			mode |= TA_PREFIX;
	} else if (flags & FTS5_TOKENIZE_AUX) {
		mode |= TA_NO_EXTRA;
	}
	if (len <= 0)
		return SQLITE_OK;
	rc = ta_tokenize(t->ta, text, (size_t)len, mode, tok_emit, &c);
	/* ta_tokenize passes xToken's codes through (SQLITE_DONE stops a
	 * snippet early); its own failures are negative CL codes */
	if (rc >= 0)
		return rc;
	return rc == CL_ENOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
}

static fts5_tokenizer tok_methods = { tok_create, tok_delete, tok_tokenize };

int fts5tok_api(sqlite3 *db, const char *who, fts5_api **out, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	fts5_api *api = NULL;
	int rc;

	*out = NULL;
	if (!db)
		return cl_fail(eb, CL_EINVAL, "%s: no database", who);
	rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		rc = cl_fail(eb, CL_EUNSUPPORTED, "%s: this SQLite has no FTS5: %s", who,
			     sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	(void)sqlite3_step(st);
	if (!api) {
		rc = cl_fail(eb, CL_EUNSUPPORTED, "%s: fts5_api not available", who);
		goto out;
	}
	*out = api;
	rc = CL_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

int fts5tok_register(sqlite3 *db, struct cl_errbuf *eb)
{
	fts5_api *api;
	int rc;

	if ((rc = fts5tok_api(db, "fts5 tokenizer", &api, eb)) != CL_OK)
		return rc;
	if (api->xCreateTokenizer(api, FTS5TOK_NAME, NULL, &tok_methods, NULL) != SQLITE_OK)
		return cl_fail(eb, CL_EDB, "fts5 tokenizer: cannot register: %s", sqlite3_errmsg(db));
	return CL_OK;
}
