/* index.c — index throughput of one engine, from the store to the engine
 * (docs/performance.md).
 *
 *   index --data DIR --engine xapian|fts5 --corpus C [--system NAME]
 *
 * Does what `caselib reindex --engine E` does (sync_reindex: a bulk build
 * of every published case, committed) and prints result lines: index_seconds,
 * index_cases_per_s, index_bytes (Xapian: the disk usage, st_blocks, of
 * DIR/xapian like du, through the link a rebuild leaves; FTS5: the pages of every fts_* table and index in the
 * store file, from SQLite's dbstat virtual table), index_bytes_per_case,
 * raw_text_bytes (title + summary + body + buyer name of the published
 * cases: the text indexed), peak_rss_kib (getrusage ru_maxrss of this
 * process: run one engine per process) and index_cpu_seconds (user + system
 * CPU time of the reindex: on a busy machine the wall time says little);
 * each table's size on stderr. CASELIB_INDEX_PROFILE=1: the Xapian build's
 * CPU per case by stage on stderr too. */
#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "engine.h"
#include "store.h"
#include "sync.h"

static double cpu_seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/* Disk usage in bytes of the tree at path (st_blocks * 512, as du). */
static long long disk_usage(const char *path)
{
	struct stat st;
	long long sum;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &st))
		return -1;
	sum = (long long)st.st_blocks * 512;
	if (!S_ISDIR(st.st_mode) || !(d = opendir(path)))
		return sum;
	while ((de = readdir(d))) {
		char sub[4096];
		long long n;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		if ((n = disk_usage(sub)) > 0)
			sum += n;
	}
	closedir(d);
	return sum;
}

/* Bytes of the pages of the FTS5 engine's tables and their indexes. */
static long long fts5_bytes(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;
	const char *sql = "SELECT sum(d.pgsize) FROM dbstat('main', 1) d "
			  "JOIN sqlite_schema m ON m.name = d.name "
			  "WHERE m.tbl_name LIKE 'fts\\_%' ESCAPE '\\'";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "index: dbstat: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	/* each table and index on stderr (docs/performance.md, per table) */
	if (sqlite3_prepare_v2(db,
			       "SELECT d.name, sum(d.pgsize) FROM dbstat('main', 1) d "
			       "JOIN sqlite_schema m ON m.name = d.name "
			       "WHERE m.tbl_name LIKE 'fts\\_%' ESCAPE '\\' GROUP BY d.name ORDER BY 2 DESC",
			       -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			fprintf(stderr, "index: table %s %.2f MB\n",
				(const char *)sqlite3_column_text(st, 0),
				(double)sqlite3_column_int64(st, 1) / 1e6);
		sqlite3_finalize(st);
	}
	return n;
}

/* Each Xapian table's disk usage on stderr. */
static void xapian_tables(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char p[4096];
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, de->d_name) >= sizeof p)
			continue;
		fprintf(stderr, "index: table %s %.2f MB\n", de->d_name, (double)disk_usage(p) / 1e6);
	}
	if (d)
		closedir(d);
}

struct raw {
	long long bytes;
	long cases;
};

static size_t len0(const char *s)
{
	return s ? strlen(s) : 0;
}

static int count_raw(const struct case_record *c, void *ud)
{
	struct raw *r = ud;
	r->bytes += (long long)(len0(c->title) + len0(c->summary) + len0(c->body) +
				len0(c->buyer.name));
	r->cases++;
	return 0;
}

struct prog {
	double t0, last;
};

static void progress(const struct sync_stats *st, void *ud)
{
	struct prog *p = ud;
	double t = bu_now();
	if (t - p->last >= 5) {
		fprintf(stderr, "index: %ld cases indexed (%.0f s)\n", st->put, t - p->t0);
		p->last = t;
	}
}

static void line(const char *system, const char *corpus, const char *metric, double v,
		 const char *unit)
{
	printf("{\"system\":\"%s\",\"corpus\":\"%s\",\"metric\":\"%s\",\"value\":%.10g,"
	       "\"unit\":\"%s\"}\n",
	       system, corpus, metric, v, unit);
}

static void usage(FILE *f)
{
	fputs("usage: index --data DIR --engine xapian|fts5 --corpus C [--system NAME]\n\n"
	      "Rebuilds one engine from the store (as `caselib reindex --engine E`) and prints\n"
	      "one JSON result line per figure: index_seconds, index_cases_per_s, index_bytes,\n"
	      "index_bytes_per_case, raw_text_bytes, peak_rss_kib.\n",
	      f);
}

int main(int argc, char **argv)
{
	const char *data = NULL, *engine_name = NULL, *corpus = NULL, *system = NULL;
	char sysbuf[64], path[4096];
	struct store *s = NULL;
	struct engine *e = NULL;
	struct cl_errbuf eb = {0};
	struct sync_stats st;
	struct raw raw = {0, 0};
	struct prog pg;
	struct rusage ru, ru0;
	long long bytes;
	double secs;
	int k, ret = 1;

	const struct bu_opt opts[] = {
		{"--data", BU_STR, &data, 0, 0},
		{"--engine", BU_STR, &engine_name, 0, 0},
		{"--corpus", BU_STR, &corpus, 0, 0},
		{"--system", BU_STR, &system, 0, 0},
		{NULL, BU_STR, NULL, 0, 0},
	};

	if ((k = bu_options("index", argc, argv, opts, usage)) >= 0)
		return k;
	if (!data || !engine_name || !corpus) {
		usage(stderr);
		return 2;
	}
	if ((k = engine_kind_from_name(engine_name)) < 0) {
		fprintf(stderr, "index: --engine is xapian or fts5\n");
		return 2;
	}
	if (!system) {
		snprintf(sysbuf, sizeof sysbuf, "caselib-%s", engine_name);
		system = sysbuf;
	}
	if (store_open(data, 0, &s, &eb) != CL_OK) {
		fprintf(stderr, "index: cannot open the store in %s: %s\n", data, eb.msg);
		goto out;
	}
	if (store_foreach_case(s, "published", count_raw, &raw, &eb) != CL_OK) {
		fprintf(stderr, "index: reading the store: %s\n", eb.msg);
		goto out;
	}
	if (engine_open((enum engine_kind)k, data, s, 1, &e, &eb) != CL_OK) {
		fprintf(stderr, "index: cannot open the %s engine in %s: %s\n", engine_name, data,
			eb.msg);
		goto out;
	}
	fprintf(stderr, "index: %s %s: reindexing %ld published cases\n", system, corpus, raw.cases);
	getrusage(RUSAGE_SELF, &ru0);
	pg.t0 = pg.last = bu_now();
	if (sync_reindex(s, e, progress, &pg, &st, &eb) != CL_OK) {
		fprintf(stderr, "index: reindex: %s\n", eb.msg);
		goto out;
	}
	engine_close(e); /* the final flush counts */
	e = NULL;
	secs = bu_now() - pg.t0;
	getrusage(RUSAGE_SELF, &ru);
	if (k == ENGINE_XAPIAN) {
		/* "/.": the folder DATA/xapian is, or links to after a rebuild */
		snprintf(path, sizeof path, "%s/xapian/.", data);
		bytes = disk_usage(path);
		xapian_tables(path);
	} else {
		bytes = fts5_bytes(store_db(s));
	}
	fprintf(stderr, "index: %ld cases in %.1f s\n", st.put, secs);
	line(system, corpus, "index_seconds", secs, "s");
	line(system, corpus, "index_cases_per_s", secs > 0 ? (double)st.put / secs : 0, "cases/s");
	if (bytes >= 0) {
		line(system, corpus, "index_bytes", (double)bytes, "bytes");
		line(system, corpus, "index_bytes_per_case", st.put ? (double)bytes / (double)st.put : 0,
		     "bytes");
	}
	line(system, corpus, "raw_text_bytes", (double)raw.bytes, "bytes");
	line(system, corpus, "peak_rss_kib", (double)ru.ru_maxrss, "KiB");
	line(system, corpus, "index_cpu_seconds",
	     cpu_seconds(&ru.ru_utime) + cpu_seconds(&ru.ru_stime) - cpu_seconds(&ru0.ru_utime) -
		     cpu_seconds(&ru0.ru_stime),
	     "s");
	ret = bytes >= 0 ? 0 : 1;
out:
	engine_close(e);
	store_close(s);
	return ret;
}
