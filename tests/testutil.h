/* testutil.h — helpers shared by the Criterion tests: temporary
 * directories, paths into the real data (../shared/data, or
 * $CASELIB_SHARED), running the caselib binary ($CASELIB_BIN), reading
 * whole files, and a small libcurl client for the HTTP tests. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* A fresh empty directory under $TMPDIR (or /tmp). Caller free()s the
 * returned path; tu_rmtree() removes it. Aborts the test on failure. */
char *tu_tmpdir(void);
/* rm -rf path. NULL is a no-op. */
void tu_rmtree(const char *path);

/* Path of rel inside the shared real data folder. Caller free()s. */
char *tu_shared(const char *rel);

/* Path of the caselib binary under test. Borrowed. */
const char *tu_bin(void);

/* Runs argv (argv[0] is looked up as given; use tu_bin()) with stdin from
 * stdin_data (NULL: /dev/null), captures stdout and stderr (each caller
 * free()s; either out pointer may be NULL). Returns the exit status, or
 * 128+signal if killed. */
int tu_run(char *const argv[], const char *stdin_data, char **out, char **err);

/* Reads a whole file; NUL-terminated. *len (may be NULL) gets the length.
 * Returns NULL if unreadable. Caller free()s. */
char *tu_read_file(const char *path, size_t *len);
/* Writes data to path (created or truncated); aborts the test on failure. */
void tu_write_file(const char *path, const char *data, size_t len);

/* Counts occurrences of needle in hay. */
size_t tu_count(const char *hay, const char *needle);

/* The loopback HTTP server of the harvester tests (tests/loopback_server.py,
 * run with python3 from the repository root): serves root on a free port
 * of 127.0.0.1 and logs every request as a JSON line in lb->log. */
struct tu_lb {
	int pid;
	int port;
	char *dir; /* holds the request log */
	char *log;
};

/* Starts it; the child dies with the test. Aborts the test on failure. */
void tu_lb_start(struct tu_lb *lb, const char *root);
/* Stops it and removes its log. */
void tu_lb_stop(struct tu_lb *lb);
/* "http://127.0.0.1:PORT" + path. Caller frees. */
char *tu_lb_url(const struct tu_lb *lb, const char *path);
/* Requests logged whose path starts with prefix, with that status (-1:
 * any); inm: only those that sent If-None-Match. */
int tu_lb_count(const struct tu_lb *lb, const char *prefix, int status, int inm);

/* Loopback helpers for remote-backend tests: a TCP port nothing listens on
 * right now (bound, then released); whether 127.0.0.1:port accepts; the
 * path of an executable on $PATH (NULL if none; caller frees). */
int tu_free_port(void);
int tu_can_connect(int port);
char *tu_find_on_path(const char *name);
/* Starts xapian-tcpsrv (bin) for database db on 127.0.0.1:port in its own
 * process group (it signals its group when it stops) and waits until it
 * listens (asserts it does); it dies with the test. tu_tcpsrv_stop kills
 * the group and reaps it (pid <= 0: no-op). */
pid_t tu_tcpsrv_start(const char *bin, const char *db, int port);
void tu_tcpsrv_stop(pid_t pid);

/* ---- parser sinks ---------------------------------------------------------- */

struct case_record;

/* 0 when c validates (case_to_json + case_validate_json, as the parsers
 * promise for every record they emit); else 1, with "ID: PATH: REASON" of
 * the first problem in why (whysz bytes; why may be NULL). */
int tu_case_problem(const struct case_record *c, char *why, size_t whysz);

/* A parse sink (parse.h) that keeps a copy of every record and every
 * reject: {tu_got_emit, tu_got_reject, &g}, starting from {0}. Records that
 * fail validation are counted in invalid (must stay 0), the first one's
 * problem kept in first_invalid; emit returns stop_with. */
struct tu_got {
	struct case_record *rec;
	size_t nrec;
	char **reasons;
	long *lines;
	size_t nrej;
	int invalid;
	char first_invalid[512];
	int stop_with;
};

int tu_got_emit(void *ud, struct case_record *c);
void tu_got_reject(void *ud, long line, const char *reason);
/* Frees everything and leaves g as {0}. */
void tu_got_release(struct tu_got *g);

/* ---- a CSV file's rows, read independently of the parsers --------------- */

/* The header and the rows of a CSV file as arrays of strings. */
struct tu_rows {
	char **hdr;
	size_t nh;
	char ***row;
	size_t n;
};

/* Reads the CSV file rel of the shared data (csvread). With same_width
 * every row must have as many fields as the header. Asserts on failure. */
void tu_rows_read(struct tu_rows *rs, const char *rel, int same_width);
/* The index of the column called name; a missing one fails the test. */
size_t tu_rows_col(const struct tu_rows *rs, const char *name);
/* Rows whose column a equals va (and column b equals vb, when b is not
 * NULL). */
long tu_rows_where(const struct tu_rows *rs, const char *a, const char *va, const char *b,
		   const char *vb);
void tu_rows_release(struct tu_rows *rs);
/* A mapping table checked against the rows: for each {value, code} of map
 * (n pairs) asserts that rows with column col equal to value exist and
 * that count(code, ud) is their number. Returns the sum of those numbers
 * (the caller compares it with all rows: a value the map misses). */
long tu_rows_map(const struct tu_rows *rs, const char *col, const char *const (*map)[2], size_t n,
		 long (*count)(const char *code, void *ud), void *ud);

struct store;
/* Stores a case made of id, kind, language, title and body (one source,
 * file:///fixture) in s; asserts it is stored. */
void tu_put_text_case(struct store *s, const char *id, const char *kind, const char *lang,
		      const char *title, const char *body);

/* ---- the real corpus ------------------------------------------------------ */

struct store;
/* A new store in dir holding the real corpus: the Swedish procurement
 * statistics and the IPS cases CSVs of ../shared/data (more than 19,000
 * cases), as the harvester parses them. Asserts on any failure. *ncases
 * (may be NULL) gets the number stored. Caller store_close()s. */
struct store *tu_load_real_corpus(const char *dir, long *ncases);

/* ---- an HTTP client (libcurl, jansson) for the server tests ------------ */

struct json_t; /* jansson's json_t */

/* One response. Everything in it is owned by the response and released by
 * tu_resp_free(); a caller may take body or json (set the field to NULL
 * before freeing). */
struct tu_resp {
	long status;         /* HTTP status; 0 when no response came */
	int curl_rc;         /* the transfer's CURLcode (CURLE_OK = 0) */
	char *body;          /* NUL-terminated, never NULL ("" when empty) */
	size_t len;          /* body bytes (it may hold NULs) */
	char *headers;       /* every header line received, status lines and
			      * "\r\n" included; NUL-terminated, never NULL */
	struct json_t *json; /* body parsed as JSON; NULL when it is not */
	double secs;         /* wall time of the request */
};

/* Request options; a NULL pointer means every default. */
struct tu_http_opt {
	int chunked;  /* stream body through a read callback with
		       * Transfer-Encoding: chunked, no Content-Length */
	long timeout; /* seconds for the whole transfer; 0: 60 */
};

/* One request. method: "GET", "HEAD" (no body read) or any other, sent as
 * is; url is used as given (no dot-segment squashing); headers: a
 * NULL-terminated "Name: value" list or NULL, sent after an empty
 * "Expect:" (no 100-continue); body: len bytes or NULL for none. All
 * borrowed for the call. *out is overwritten (not freed first) and owned
 * by the caller: tu_resp_free() it. Never asserts: a failed transfer
 * leaves curl_rc != CURLE_OK. The test calls curl_global_init() first. */
void tu_http_request(const char *method, const char *url, const char *const *headers,
		     const char *body, size_t len, const struct tu_http_opt *opt,
		     struct tu_resp *out);
/* Frees what r holds and zeroes it; a zeroed response is a no-op. */
void tu_resp_free(struct tu_resp *r);
/* The value of response header name (case-insensitive; the last one when
 * repeated), leading blanks dropped, copied into buf (cap bytes, truncated).
 * Returns buf, or NULL when the header is absent. */
const char *tu_resp_header(const struct tu_resp *r, const char *name, char *buf, size_t cap);

/* ---- small shared pieces ------------------------------------------------- */

struct sqlite3;
struct store;

/* The first column of the first row of sql on db as a long; asserts the
 * statement prepares and yields a row. */
long tu_sql_long(struct sqlite3 *db, const char *sql);

/* A fresh store in a new tu_tmpdir() (*dir, caller frees and removes);
 * asserts it opens. Caller store_close()s. */
struct store *tu_store_new(char **dir);
/* Closes *s and sets it NULL; then, when dir is not NULL, removes and
 * frees *dir and sets it NULL. */
void tu_store_drop(struct store **s, char **dir);

/* The HTTP service under test: srv_config_init, then data_dir, web_dir
 * (NULL: none), a free port of 127.0.0.1 and two threads. */
struct srv;
struct srv_config;
void tu_srv_config(struct srv_config *cfg, const char *data_dir, const char *web_dir);
/* srv_start(cfg), asserting it starts; base (NULL: not wanted; cap bytes)
 * gets "http://127.0.0.1:PORT". */
struct srv *tu_srv_start(const struct srv_config *cfg, char *base, size_t cap);
/* A new folder with a small index.html and app.js for the server's static
 * files. Caller frees it and tu_rmtree()s it. */
char *tu_web_dir(void);

/* Puts the first max records of the real statistics CSV into s (source
 * "import", retrieved 2026-01-01); asserts all max were put. */
void tu_sestat_first(struct store *s, long max);

/* Stops *s (sets it NULL), ends libcurl, removes and frees *dir and *web
 * (web may be NULL; both set NULL). The HTTP suites' teardown. */
void tu_srv_drop(struct srv **s, char **dir, char **web);

/* The demo cases, the .json files of tests/fixtures/demo-cases (run from the
 * repository root), in file-name order, each parsed with case_parse
 * (asserted). Returns how many; *out is the caller's: tu_cases_free(). */
size_t tu_demo_cases(struct case_record **out);
void tu_cases_free(struct case_record *v, size_t n);

/* ---- the XML parsers' tests (eForms, TED XML) --------------------------- */

struct strlist;
struct maptab;
struct cl_errbuf;

/* Whether list l holds s. */
int tu_has(const struct strlist *l, const char *s);
/* A copy of s with the first occurrence of from replaced by to (asserts
 * there is one). Caller frees. */
char *tu_replace1(const char *s, const char *from, const char *to);
/* The codes of an official eForms code list: Row/Value[@ColumnRef='code']/
 * SimpleValue of eforms-sdk/codelists/LIST.gc in the shared data, read with
 * xmlsafe, into codes (max of them; asserts at least one). Returns how many. */
size_t tu_gc_codes(const char *list, char codes[][48], size_t max);
/* Whether s is one of the n codes. */
int tu_in_codes(char codes[][48], size_t n, const char *s);
/* maptab_init(t), then loads table name with load (eforms_load_map,
 * tedxml_load_map); asserts it loads and has rows. */
void tu_load_map(struct maptab *t, const char *name,
		 int (*load)(struct maptab *, const char *, struct cl_errbuf *));

/* Drops the proxy variables so libcurl talks to the loopback directly. */
void tu_no_proxy(void);

/* What tu_fork_run captured. */
struct tu_child {
	int code;
	char *out, *err; /* caller frees */
};

/* Runs fn(ud) in a forked child whose stdout and stderr go to files
 * under dir; the child exits with what fn returns. Asserts it exits
 * normally; o gets the code and both outputs. */
void tu_fork_run(const char *dir, int (*fn)(void *), void *ud, struct tu_child *o);

/* The race tests' start line: sets up go for n parties, starts n threads
 * fn(arg + i*size) (each waits on go), joins them all and destroys go. */
void tu_race(int n, void *(*fn)(void *), void *arg, size_t size, void *go);
/* go: a pthread_barrier_t *, left untyped to keep pthread.h out. */

/* Both engines (Xapian, FTS5) of the store s in dir, opened writable and
 * synced; asserts each step. tu_engines_close closes them (NULL-safe). */
struct engine;
void tu_engines_open(struct store *s, const char *dir, struct engine *e[2]);
void tu_engines_close(struct engine *e[2]);

#endif
