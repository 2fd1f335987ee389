/* sqlerr.h — the one mapping of SQLite result codes to caselib's error
 * codes (cl_err.h), used by the store, the FTS5 engine, tokens and the
 * workflow. Extended result codes are on everywhere (the primary code is
 * the low byte). */
#ifndef SQLERR_H
#define SQLERR_H

#include <sqlite3.h>

#include "cl_err.h"

/* How long a connection waits for another writer before SQLITE_BUSY. */
#define SQLERR_BUSY_MS 10000

/* Maps rc (a SQLite result code, primary or extended) to a CL_ code and
 * writes "what: reason" into eb, with db's message when db is not NULL:
 * BUSY/LOCKED -> CL_EBUSY, FULL -> CL_EFULL (disk full), IOERR/CANTOPEN ->
 * CL_EIO, NOMEM -> CL_ENOMEM, anything else CL_EDB. Returns the code. */
int sqlerr_fail(sqlite3 *db, int rc, struct cl_errbuf *eb, const char *what);

/* sqlerr_fail with db's last (extended) result code. */
int sqlerr_last(sqlite3 *db, struct cl_errbuf *eb, const char *what);

/* Prepares sql on db into *st; on failure *st is NULL and the error is
 * mapped as above ("prepare: ..."). */
int sqlerr_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct cl_errbuf *eb);

#endif
