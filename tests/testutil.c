/* testutil.c — see testutil.h. */
#include "testutil.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <sys/prctl.h>
#include <jansson.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchutil.h"
#include "case.h"
#include "engine.h"
#include "sync.h"
#include "csvread.h"
#include "maptab.h"
#include "parse_ips.h"
#include "parse_sestat.h"
#include "routes.h"
#include "server.h"
#include "store.h"
#include "xmlsafe.h"

char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path = NULL;

	if (!base || !*base)
		base = "/tmp";
	cr_assert(asprintf(&path, "%s/caselib-test-XXXXXX", base) > 0);
	cr_assert_not_null(mkdtemp(path), "mkdtemp: %s", strerror(errno));
	return path;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void tu_rmtree(const char *path)
{
	if (path)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *tu_shared(const char *rel)
{
	const char *base = getenv("CASELIB_SHARED");
	char *path = NULL;

	if (!base || !*base)
		base = "../shared/data";
	cr_assert(asprintf(&path, "%s/%s", base, rel) > 0);
	return path;
}

const char *tu_bin(void)
{
	const char *b = getenv("CASELIB_BIN");
	return b && *b ? b : "build/caselib";
}

struct sink {
	int fd;
	char *buf;
	size_t len, cap;
};

static void sink_read(struct sink *s)
{
	char tmp[65536];
	ssize_t n = read(s->fd, tmp, sizeof tmp);

	if (n <= 0) {
		close(s->fd);
		s->fd = -1;
		return;
	}
	if (s->len + (size_t)n + 1 > s->cap) {
		s->cap = (s->len + (size_t)n + 1) * 2;
		s->buf = realloc(s->buf, s->cap);
		cr_assert_not_null(s->buf);
	}
	memcpy(s->buf + s->len, tmp, (size_t)n);
	s->len += (size_t)n;
	s->buf[s->len] = '\0';
}

int tu_run(char *const argv[], const char *stdin_data, char **out, char **err)
{
	int po[2], pe[2], pi[2];
	pid_t pid;
	int status = 0;
	struct sink so = {0}, se = {0};
	size_t in_len = stdin_data ? strlen(stdin_data) : 0, in_off = 0;

	cr_assert(pipe(po) == 0 && pipe(pe) == 0 && pipe(pi) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(pi[0], 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(pi[0]); close(pi[1]);
		close(po[0]); close(po[1]);
		close(pe[0]); close(pe[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pi[0]);
	close(po[1]);
	close(pe[1]);
	so.fd = po[0];
	se.fd = pe[0];
	if (in_len == 0) {
		close(pi[1]);
		pi[1] = -1;
	}
	signal(SIGPIPE, SIG_IGN);
	while (so.fd >= 0 || se.fd >= 0) {
		struct pollfd pf[3];
		int n = 0, io = -1, ie = -1, ii = -1;
		if (so.fd >= 0) { pf[n].fd = so.fd; pf[n].events = POLLIN; io = n++; }
		if (se.fd >= 0) { pf[n].fd = se.fd; pf[n].events = POLLIN; ie = n++; }
		if (pi[1] >= 0) { pf[n].fd = pi[1]; pf[n].events = POLLOUT; ii = n++; }
		if (poll(pf, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (io >= 0 && pf[io].revents)
			sink_read(&so);
		if (ie >= 0 && pf[ie].revents)
			sink_read(&se);
		if (ii >= 0 && pf[ii].revents) {
			ssize_t w = write(pi[1], stdin_data + in_off, in_len - in_off);
			if (w > 0)
				in_off += (size_t)w;
			if (w <= 0 || in_off == in_len) {
				close(pi[1]);
				pi[1] = -1;
			}
		}
	}
	if (pi[1] >= 0)
		close(pi[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out)
		*out = so.buf ? so.buf : strdup("");
	else
		free(so.buf);
	if (err)
		*err = se.buf ? se.buf : strdup("");
	else
		free(se.buf);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	if (!f)
		return NULL;
	do {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 131072;
			buf = realloc(buf, cap + 1);
			cr_assert_not_null(buf);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

void tu_write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "open %s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

size_t tu_count(const char *hay, const char *needle)
{
	size_t n = 0, nl = strlen(needle);
	const char *p = hay;

	if (!nl)
		return 0;
	while ((p = strstr(p, needle))) {
		n++;
		p += nl;
	}
	return n;
}

/* ---- the loopback HTTP server (tests/loopback_server.py) ---------------- */

/* Starts tests/loopback_server.py serving root; it binds port 0 and
 * prints the port. The child dies with the test (PDEATHSIG). */
void tu_lb_start(struct tu_lb *lb, const char *root)
{
	int fds[2];
	char buf[32] = "";
	size_t n = 0;
	struct pollfd pfd;

	memset(lb, 0, sizeof *lb);
	lb->dir = tu_tmpdir();
	cr_assert(asprintf(&lb->log, "%s/requests.log", lb->dir) > 0);
	cr_assert_eq(pipe(fds), 0);
	lb->pid = fork();
	cr_assert_geq(lb->pid, 0);
	if (lb->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execlp("python3", "python3", "tests/loopback_server.py", "--root", root, "--log",
		       lb->log, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (n < sizeof buf - 1 && !strchr(buf, '\n')) {
		ssize_t k;
		cr_assert_gt(poll(&pfd, 1, 20000), 0, "the loopback server did not start");
		k = read(fds[0], buf + n, sizeof buf - 1 - n);
		cr_assert_gt(k, 0, "the loopback server exited before printing its port");
		n += (size_t)k;
		buf[n] = '\0';
	}
	close(fds[0]);
	lb->port = atoi(buf);
	cr_assert_gt(lb->port, 0, "bad port line: %s", buf);
}

void tu_lb_stop(struct tu_lb *lb)
{
	if (lb->pid > 0) {
		kill(lb->pid, SIGTERM);
		waitpid(lb->pid, NULL, 0);
	}
	if (lb->dir)
		tu_rmtree(lb->dir);
	free(lb->dir);
	free(lb->log);
	memset(lb, 0, sizeof *lb);
}

/* http://127.0.0.1:PORT + path. Caller frees. */
char *tu_lb_url(const struct tu_lb *lb, const char *path)
{
	char *u = NULL;
	cr_assert(asprintf(&u, "http://127.0.0.1:%d%s", lb->port, path) > 0);
	return u;
}

/* Requests in the log whose path starts with prefix and whose status is
 * status (-1: any). With inm set, only those that sent If-None-Match. */
int tu_lb_count(const struct tu_lb *lb, const char *prefix, int status, int inm)
{
	char *text = tu_read_file(lb->log, NULL), *line, *save = NULL;
	int n = 0;

	if (!text)
		return 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *p = json_string_value(json_object_get(j, "path"));
		int st = (int)json_integer_value(json_object_get(j, "status"));
		if (p && strncmp(p, prefix, strlen(prefix)) == 0 && (status < 0 || st == status) &&
		    (!inm || json_is_true(json_object_get(j, "inm"))))
			n++;
		json_decref(j);
	}
	free(text);
	return n;
}

/* ---- loopback ports and xapian-tcpsrv --------------------------------- */

int tu_free_port(void)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	cr_assert(fd >= 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

int tu_can_connect(int port)
{
	struct sockaddr_in a = {0};
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

char *tu_find_on_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path && *path ? path : "/usr/bin:/bin"), *save = NULL, *found = NULL;

	cr_assert_not_null(copy);
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = NULL;
		cr_assert(asprintf(&p, "%s/%s", *d ? d : ".", name) > 0);
		if (access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

/* Starts xapian-tcpsrv for db on port; its own process group (it signals
 * its group when it stops; we kill the group: the shard host goes away). */
pid_t tu_tcpsrv_start(const char *bin, const char *db, int port)
{
	char port_s[16];
	pid_t pid;
	int up = 0;

	snprintf(port_s, sizeof port_s, "%d", port);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpgid(0, 0);
		int devnull = open("/dev/null", 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execl(bin, bin, "--interface", "127.0.0.1", "--port", port_s, db, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	for (int i = 0; i < 400 && !up; i++) {
		struct timespec ts = {0, 25 * 1000 * 1000};
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		up = tu_can_connect(port);
		if (!up)
			nanosleep(&ts, NULL);
	}
	cr_assert(up, "xapian-tcpsrv did not start on port %d", port);
	return pid;
}

void tu_tcpsrv_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- the HTTP client ------------------------------------------------------ */

struct http_buf {
	char *p;
	size_t n;
};

static size_t http_on_data(char *p, size_t sz, size_t n, void *ud)
{
	struct http_buf *b = ud;
	char *nb = realloc(b->p, b->n + sz * n + 1);
	if (!nb)
		return 0;
	memcpy(nb + b->n, p, sz * n);
	b->n += sz * n;
	nb[b->n] = '\0';
	b->p = nb;
	return sz * n;
}

struct http_upload {
	const char *p;
	size_t left;
};

static size_t http_on_read(char *dst, size_t sz, size_t n, void *ud)
{
	struct http_upload *u = ud;
	size_t k = sz * n < u->left ? sz * n : u->left;
	memcpy(dst, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

static double http_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tu_http_request(const char *method, const char *url, const char *const *headers,
		     const char *body, size_t len, const struct tu_http_opt *opt,
		     struct tu_resp *out)
{
	double t0 = http_now();
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	struct http_buf b = {NULL, 0}, h = {NULL, 0};
	struct http_upload up = {body, len};
	int chunked = opt && opt->chunked;
	long timeout = opt && opt->timeout > 0 ? opt->timeout : 60L;

	memset(out, 0, sizeof *out);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	if (strcmp(method, "GET"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body && chunked) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, http_on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &up);
		hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
	} else if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	hl = curl_slist_append(hl, "Expect:");
	for (size_t i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	out->curl_rc = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	out->body = b.p ? b.p : strdup("");
	out->len = b.n;
	out->headers = h.p ? h.p : strdup("");
	out->json = json_loadb(out->body, out->len, 0, NULL);
	out->secs = http_now() - t0;
}

void tu_resp_free(struct tu_resp *r)
{
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

const char *tu_resp_header(const struct tu_resp *r, const char *name, char *buf, size_t cap)
{
	const char *p = r->headers, *found = NULL;
	size_t nl = strlen(name);
	while (p && *p) {
		const char *e = strstr(p, "\r\n");
		size_t ll = e ? (size_t)(e - p) : strlen(p);
		if (ll > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			snprintf(buf, cap, "%.*s", (int)(ll - (size_t)(v - p)), v);
			found = buf;
		}
		p = e ? e + 2 : NULL;
	}
	return found;
}

/* ---- parser sinks ---------------------------------------------------------- */

int tu_case_problem(const struct case_record *c, char *why, size_t whysz)
{
	struct case_problems probs;
	json_t *j = case_to_json(c);
	int bad;

	cr_assert_not_null(j, "case_to_json failed");
	case_problems_init(&probs);
	bad = case_validate_json(j, 0, &probs) != CL_OK;
	if (bad && why)
		snprintf(why, whysz, "%s: %s: %s", c->id ? c->id : "?",
			 probs.n ? probs.v[0].path : "?", probs.n ? probs.v[0].reason : "?");
	case_problems_release(&probs);
	json_decref(j);
	return bad;
}

int tu_got_emit(void *ud, struct case_record *c)
{
	struct tu_got *g = ud;

	if (tu_case_problem(c, g->invalid ? NULL : g->first_invalid, sizeof g->first_invalid))
		g->invalid++;
	g->rec = realloc(g->rec, (g->nrec + 1) * sizeof *g->rec);
	cr_assert_not_null(g->rec);
	case_init(&g->rec[g->nrec]);
	cr_assert_eq(case_copy(&g->rec[g->nrec], c), CL_OK);
	g->nrec++;
	return g->stop_with;
}

void tu_got_reject(void *ud, long line, const char *reason)
{
	struct tu_got *g = ud;

	g->reasons = realloc(g->reasons, (g->nrej + 1) * sizeof *g->reasons);
	g->lines = realloc(g->lines, (g->nrej + 1) * sizeof *g->lines);
	cr_assert(g->reasons && g->lines);
	g->reasons[g->nrej] = strdup(reason);
	g->lines[g->nrej] = line;
	g->nrej++;
}

void tu_got_release(struct tu_got *g)
{
	for (size_t i = 0; i < g->nrec; i++)
		case_release(&g->rec[i]);
	for (size_t i = 0; i < g->nrej; i++)
		free(g->reasons[i]);
	free(g->rec);
	free(g->reasons);
	free(g->lines);
	memset(g, 0, sizeof *g);
}

/* ---- a CSV file's rows ------------------------------------------------------ */

void tu_rows_read(struct tu_rows *rs, const char *rel, int same_width)
{
	char *path = tu_shared(rel);
	FILE *f = fopen(path, "rb");
	struct csvr r;
	struct cl_errbuf eb;
	int rc;

	cr_assert_not_null(f, "cannot open %s (set CASELIB_SHARED?)", path);
	memset(rs, 0, sizeof *rs);
	csvr_init_file(&r, f);
	while ((rc = csvr_next(&r, &eb)) == CSVR_RECORD) {
		size_t nf = csvr_nfields(&r);
		char **v = calloc(nf, sizeof *v);

		cr_assert_not_null(v);
		for (size_t i = 0; i < nf; i++)
			v[i] = strdup(csvr_field(&r, i, NULL));
		if (!rs->hdr) {
			rs->hdr = v;
			rs->nh = nf;
			continue;
		}
		if (same_width)
			cr_assert_eq(nf, rs->nh);
		rs->row = realloc(rs->row, (rs->n + 1) * sizeof *rs->row);
		cr_assert_not_null(rs->row);
		rs->row[rs->n++] = v;
	}
	cr_assert_eq(rc, CSVR_END, "%s", eb.msg);
	csvr_release(&r);
	fclose(f);
	free(path);
}

size_t tu_rows_col(const struct tu_rows *rs, const char *name)
{
	for (size_t i = 0; i < rs->nh; i++)
		if (strcmp(rs->hdr[i], name) == 0)
			return i;
	cr_assert_fail("column %s not in the file", name);
	return 0;
}

long tu_rows_where(const struct tu_rows *rs, const char *a, const char *va, const char *b,
		   const char *vb)
{
	size_t ca = tu_rows_col(rs, a), cb = b ? tu_rows_col(rs, b) : 0;
	long n = 0;

	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->row[i][ca], va) == 0 && (!b || strcmp(rs->row[i][cb], vb) == 0))
			n++;
	return n;
}

void tu_rows_release(struct tu_rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		for (size_t k = 0; k < rs->nh; k++)
			free(rs->row[i][k]);
		free(rs->row[i]);
	}
	for (size_t k = 0; k < rs->nh; k++)
		free(rs->hdr[k]);
	free(rs->hdr);
	free(rs->row);
}

long tu_rows_map(const struct tu_rows *rs, const char *col, const char *const (*map)[2], size_t n,
		 long (*count)(const char *code, void *ud), void *ud)
{
	long total = 0;

	for (size_t i = 0; i < n; i++) {
		long want = tu_rows_where(rs, col, map[i][0], NULL, NULL);

		cr_assert_gt(want, 0, "no row with %s \"%s\"", col, map[i][0]);
		cr_assert_eq(count(map[i][1], ud), want, "%s \"%s\"", col, map[i][0]);
		total += want;
	}
	return total;
}

/* ---- the real corpus ------------------------------------------------------ */

struct store *tu_load_real_corpus(const char *dir, long *ncases)
{
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	char *shared = tu_shared("");
	long n = 0, rejected = 0;

	shared[strlen(shared) - 1] = '\0'; /* the trailing '/' */
	cr_assert_eq(store_open(dir, STORE_CREATE, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(bu_load_real_corpus(s, shared, "test-loader", &n, &rejected, &eb), CL_OK,
		     "%s", eb.msg);
	cr_assert_gt(n, 19000, "the real corpus loads (%ld cases, %ld rejected)", n, rejected);
	free(shared);
	if (ncases)
		*ncases = n;
	return s;
}

/* ---- small shared pieces ------------------------------------------------- */

long tu_sql_long(struct sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q = NULL;
	long v;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK, "%s", sql);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW, "%s", sql);
	v = (long)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

struct store *tu_store_new(char **dir)
{
	struct store *s = NULL;
	struct cl_errbuf eb = {0};

	*dir = tu_tmpdir();
	cr_assert_eq(store_open(*dir, STORE_CREATE, &s, &eb), CL_OK, "open: %s", eb.msg);
	return s;
}

void tu_store_drop(struct store **s, char **dir)
{
	store_close(*s);
	*s = NULL;
	if (dir) {
		tu_rmtree(*dir);
		free(*dir);
		*dir = NULL;
	}
}

void tu_srv_config(struct srv_config *cfg, const char *data_dir, const char *web_dir)
{
	srv_config_init(cfg);
	cfg->routes = rt_routes;
	cfg->fallback = rt_static;
	cfg->data_dir = data_dir;
	cfg->web_dir = web_dir;
	cfg->listen = "127.0.0.1:0";
	cfg->threads = 2;
}

struct srv *tu_srv_start(const struct srv_config *cfg, char *base, size_t cap)
{
	struct srv *s = NULL;
	struct cl_errbuf eb = {0};

	cr_assert_eq(srv_start(cfg, &s, &eb), CL_OK, "srv_start: %s", eb.msg);
	if (base)
		snprintf(base, cap, "http://127.0.0.1:%u", srv_port(s));
	return s;
}

void tu_srv_drop(struct srv **s, char **dir, char **web)
{
	srv_stop(*s);
	*s = NULL;
	curl_global_cleanup();
	tu_rmtree(*dir);
	free(*dir);
	*dir = NULL;
	if (web) {
		tu_rmtree(*web);
		free(*web);
		*web = NULL;
	}
}

char *tu_web_dir(void)
{
	static const struct {
		const char *name, *text;
	} files[] = {
		{"index.html", "<!doctype html><title>caselib</title>"},
		{"app.js", "console.log(1);\n"},
	};
	char *web = tu_tmpdir();
	char path[512];

	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(path, sizeof path, "%s/%s", web, files[i].name);
		tu_write_file(path, files[i].text, strlen(files[i].text));
	}
	return web;
}

struct first_n {
	struct store *s;
	long n, max;
};

/* Puts c, then stops the parser (CL_EEXISTS) once max are in. */
static int first_n_emit(void *ud, struct case_record *c)
{
	struct first_n *l = ud;
	struct store_put_result pr;
	struct cl_errbuf eb = {0};

	cr_assert_eq(store_put_case(l->s, c, "import", &pr, &eb), CL_OK, "%s", eb.msg);
	return ++l->n < l->max ? CL_OK : CL_EEXISTS;
}

void tu_sestat_first(struct store *s, long max)
{
	char *csv = tu_shared("se-procurements-2021/number_of_procurements.csv");
	struct parse_src src = {NULL, "2026-01-01T00:00:00Z", NULL};
	struct first_n l = {s, 0, max};
	struct parse_sink sink = {first_n_emit, NULL, &l};
	struct cl_errbuf eb = {0};
	FILE *f = fopen(csv, "rb");
	int rc;

	cr_assert_not_null(f, "cannot open %s", csv);
	rc = sestat_parse_file(f, &src, &sink, NULL, &eb);
	fclose(f);
	cr_assert(rc == CL_EEXISTS || rc == CL_OK, "sestat: %s", eb.msg);
	cr_assert_eq(l.n, max);
	free(csv);
}

size_t tu_demo_cases(struct case_record **out)
{
	glob_t g;
	struct case_record *v;
	size_t n;

	cr_assert_eq(glob("tests/fixtures/demo-cases/*.json", 0, NULL, &g), 0, "no demo cases");
	n = g.gl_pathc;
	v = calloc(n, sizeof *v);
	cr_assert_not_null(v);
	for (size_t i = 0; i < n; i++) {
		const char *path = g.gl_pathv[i];
		struct case_problems why;
		size_t len = 0;
		char *text = tu_read_file(path, &len);

		cr_assert_not_null(text, "%s", path);
		case_init(&v[i]);
		case_problems_init(&why);
		cr_assert_eq(case_parse(text, len, 0, &v[i], &why), CL_OK, "%s", path);
		case_problems_release(&why);
		free(text);
	}
	globfree(&g);
	*out = v;
	return n;
}

void tu_cases_free(struct case_record *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		case_release(&v[i]);
	free(v);
}

void tu_no_proxy(void)
{
	static const char *const names[] = {"http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"};

	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		unsetenv(names[i]);
}

void tu_fork_run(const char *dir, int (*fn)(void *), void *ud, struct tu_child *o)
{
	char *outp = NULL, *errp = NULL;
	int status = 0;
	pid_t pid;

	cr_assert(asprintf(&outp, "%s/child.out", dir) > 0);
	cr_assert(asprintf(&errp, "%s/child.err", dir) > 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fo, 1);
		dup2(fe, 2);
		close(fo);
		close(fe);
		status = fn(ud);
		fflush(stdout);
		fflush(stderr);
		_exit(status);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	o->code = WEXITSTATUS(status);
	o->out = tu_read_file(outp, NULL);
	o->err = tu_read_file(errp, NULL);
	cr_assert(o->out && o->err);
	free(outp);
	free(errp);
}

void tu_race(int n, void *(*fn)(void *), void *arg, size_t size, void *go)
{
	pthread_t *th = calloc((size_t)n, sizeof *th);

	cr_assert_not_null(th);
	pthread_barrier_init(go, NULL, (unsigned)n);
	for (int i = 0; i < n; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, fn, (char *)arg + (size_t)i * size), 0);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(go);
	free(th);
}

/* ---- the XML parsers' tests --------------------------------------------- */

int tu_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

char *tu_replace1(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	char *out;

	cr_assert_not_null(p, "text lacks \"%s\"", from);
	cr_assert(asprintf(&out, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from)) > 0);
	return out;
}

size_t tu_gc_codes(const char *list, char codes[][48], size_t max)
{
	char rel[128], *path;
	size_t len, n = 0;
	char *data;
	xmlDocPtr doc;
	struct cl_errbuf eb;
	xmlNode *rows;

	snprintf(rel, sizeof rel, "eforms-sdk/codelists/%s.gc", list);
	path = tu_shared(rel);
	data = tu_read_file(path, &len);
	cr_assert_not_null(data, "%s", path);
	cr_assert_eq(xmlsafe_parse(data, len, "gc", &doc, &eb), CL_OK, "%s: %s", rel, eb.msg);
	rows = xmlsafe_child(xmlDocGetRootElement(doc), NULL, "SimpleCodeList");
	for (xmlNode *r = xmlsafe_child(rows, NULL, "Row"); r; r = xmlsafe_next(r, NULL, "Row"))
		for (xmlNode *v = xmlsafe_child(r, NULL, "Value"); v; v = xmlsafe_next(v, NULL, "Value")) {
			const char *col = xmlsafe_attr(v, "ColumnRef");

			if (col && strcmp(col, "code") == 0) {
				cr_assert_lt(n, max);
				xmlsafe_code(xmlsafe_child(v, NULL, "SimpleValue"), codes[n++], 48);
			}
		}
	xmlFreeDoc(doc);
	free(data);
	free(path);
	cr_assert_gt(n, 0, "no codes in %s", rel);
	return n;
}

int tu_in_codes(char codes[][48], size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(codes[i], s) == 0)
			return 1;
	return 0;
}

void tu_load_map(struct maptab *t, const char *name,
		 int (*load)(struct maptab *, const char *, struct cl_errbuf *))
{
	struct cl_errbuf eb;

	maptab_init(t);
	cr_assert_eq(load(t, name, &eb), CL_OK, "%s: %s", name, eb.msg);
	cr_assert_gt(t->nrows, 0);
}

void tu_put_text_case(struct store *s, const char *id, const char *kind, const char *lang,
		      const char *title, const char *body)
{
	struct cl_errbuf eb = {0};
	struct case_record c;
	struct case_source src = {0};
	struct store_put_result res;

	case_init(&c);
	c.id = (char *)(uintptr_t)id;
	c.kind = (char *)(uintptr_t)kind;
	c.title = (char *)(uintptr_t)title;
	c.body = (char *)(uintptr_t)body;
	c.language = (char *)(uintptr_t)lang;
	src.url = (char *)(uintptr_t) "file:///fixture";
	src.retrieved_at = (char *)(uintptr_t) "2026-11-27T00:00:00Z";
	c.sources = &src;
	c.nsources = 1;
	cr_assert_eq(store_put_case(s, &c, "test", &res, &eb), CL_OK, "put %s: %s", id, eb.msg);
}

void tu_engines_open(struct store *s, const char *dir, struct engine *e[2])
{
	struct cl_errbuf eb = {0};

	for (int k = 0; k < 2; k++) {
		cr_assert_eq(engine_open((enum engine_kind)k, dir, s, 1, &e[k], &eb), CL_OK,
			     "open: %s", eb.msg);
		cr_assert_eq(sync_engine(s, e[k], 0, NULL, NULL, NULL, &eb), CL_OK, "sync: %s",
			     eb.msg);
	}
}

void tu_engines_close(struct engine *e[2])
{
	for (int k = 0; k < 2; k++) {
		engine_close(e[k]);
		e[k] = NULL;
	}
}
