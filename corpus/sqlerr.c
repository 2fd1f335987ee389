/* sqlerr.c — SQLite result codes as caselib error codes (sqlerr.h). */
#include "sqlerr.h"

int sqlerr_fail(sqlite3 *db, int rc, struct cl_errbuf *eb, const char *what)
{
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return cl_fail(eb, CL_EBUSY,
			       "%s: the database is locked by another writer"
			       " (gave up after waiting %d s)",
			       what, SQLERR_BUSY_MS / 1000);
	case SQLITE_FULL:
		return cl_fail(eb, CL_EFULL, "%s: disk full: %s", what, msg);
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		return cl_fail(eb, CL_EIO, "%s: %s", what, msg);
	case SQLITE_NOMEM:
		return cl_fail(eb, CL_ENOMEM, "%s: out of memory", what);
	default:
		return cl_fail(eb, CL_EDB, "%s: %s", what, msg);
	}
}

int sqlerr_last(sqlite3 *db, struct cl_errbuf *eb, const char *what)
{
	return sqlerr_fail(db, sqlite3_extended_errcode(db), eb, what);
}

int sqlerr_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct cl_errbuf *eb)
{
	*st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		int rc = sqlerr_last(db, eb, "prepare");
		sqlite3_finalize(*st);
		*st = NULL;
		return rc;
	}
	return CL_OK;
}
