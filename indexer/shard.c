/* shard.c — the sharded Xapian index (see shard.h): N ordinary caselib
 * Xapian engines, one per shard, each kept in step with the store by a
 * filtered change-log replay (sync_engine_filter), and a small local
 * database with the spelling data of them all. */
#include "shard.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "meta_keys.h"
#include "store.h"
#include "sync.h"
#include "xs.h"

#define SHARD_BATCH 5000

struct shard_set {
	char *dir;
	unsigned n;
	struct store *s;
	struct engine *e[SHARD_MAX];
};

uint64_t shard_hash(const char *id)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *p = (const unsigned char *)id; p && *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	return h;
}

unsigned shard_of(const char *id, unsigned n)
{
	return n ? (unsigned)(shard_hash(id) % n) : 0;
}

static char *path_join(const char *a, const char *b)
{
	char *p = NULL;
	return asprintf(&p, "%s/%s", a, b) < 0 ? NULL : p;
}

/* 1 when name is "shard-NN" (two or more digits), its number in *k. */
static int shard_name(const char *name, unsigned *k)
{
	char *end = NULL;
	unsigned long v;

	if (strncmp(name, "shard-", 6) || strlen(name) < 8)
		return 0;
	errno = 0;
	v = strtoul(name + 6, &end, 10);
	if (errno || *end || v >= SHARD_MAX)
		return 0;
	*k = (unsigned)v;
	return 1;
}

unsigned shard_count_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0, k;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (shard_name(de->d_name, &k))
			n++;
	closedir(d);
	return n;
}

int shard_write_stub(const char *path, unsigned n, const char *const *remotes,
		     const char *local_path, const char *shards_dir, unsigned timeout_ms,
		     struct cl_errbuf *eb)
{
	char *tmp = NULL;
	FILE *f;
	int ok;

	if (!path || n == 0 || n > SHARD_MAX)
		return cl_fail(eb, CL_EINVAL, "shard stub: 1..%d shards", SHARD_MAX);
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	if (!(f = fopen(tmp, "w"))) {
		int err = errno;
		free(tmp);
		return cl_fail(eb, CL_EIO, "cannot write %s: %s", path, strerror(err));
	}
	fprintf(f, "# caselib sharded Xapian index: %u shards (docs/operations.md)\n", n);
	if (timeout_ms)
		fprintf(f, "# caselib: timeout_ms %u\n", timeout_ms);
	if (local_path)
		fprintf(f, "# caselib: local %s\n", local_path);
	if (shards_dir)
		fprintf(f, "# caselib: shards %s\n", shards_dir);
	for (unsigned i = 0; i < n; i++) {
		if (remotes)
			fprintf(f, "remote tcp %s\n", remotes[i]);
		else
			fprintf(f, "auto shard-%02u/xapian\n", i);
	}
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		int err = errno;
		unlink(tmp);
		free(tmp);
		return cl_fail(eb, CL_EIO, "cannot write %s: %s", path, strerror(err));
	}
	free(tmp);
	return CL_OK;
}

void shard_set_close(struct shard_set *ss)
{
	if (!ss)
		return;
	for (unsigned i = 0; i < ss->n; i++)
		engine_close(ss->e[i]);
	free(ss->dir);
	free(ss);
}

unsigned shard_set_count(const struct shard_set *ss)
{
	return ss ? ss->n : 0;
}

int shard_set_open(const char *dir, unsigned n, struct store *s, struct shard_set **out,
		   struct cl_errbuf *eb)
{
	struct shard_set *ss = NULL;
	char *stub = NULL;
	unsigned have;
	int rc = CL_OK;

	*out = NULL;
	if (!dir || !*dir)
		return cl_fail(eb, CL_EINVAL, "shard: no directory given");
	if (n > SHARD_MAX)
		return cl_fail(eb, CL_EINVAL, "shard: at most %d shards", SHARD_MAX);
	have = shard_count_dir(dir);
	if (n == 0 && have == 0)
		return cl_fail(eb, CL_ENOTFOUND, "no shards in %s: create them with `caselib shard "
						 "--shards N --out %s`", dir, dir);
	if (n && have && n != have)
		return cl_fail(eb, CL_EINVAL,
			       "%s has %u shards, not %u: resharding goes to a new directory "
			       "(docs/operations.md)", dir, have, n);
	if (n == 0)
		n = have;
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return cl_fail(eb, CL_EIO, "cannot create %s: %s", dir, strerror(errno));
	if (!(ss = calloc(1, sizeof *ss)) || !(ss->dir = strdup(dir))) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	ss->s = s;
	for (unsigned i = 0; i < n && rc == CL_OK; i++) {
		char name[32], *sd;
		snprintf(name, sizeof name, "shard-%02u", i);
		if (!(sd = path_join(dir, name))) {
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			break;
		}
		if (mkdir(sd, 0777) != 0 && errno != EEXIST)
			rc = cl_fail(eb, CL_EIO, "cannot create %s: %s", sd, strerror(errno));
		else if ((rc = engine_open(ENGINE_XAPIAN, sd, s, 1, &ss->e[i], eb)) == CL_OK)
			ss->n++;
		free(sd);
	}
	if (rc != CL_OK)
		goto out;
	if (!(stub = path_join(dir, SHARD_STUB))) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = shard_write_stub(stub, n, NULL, SHARD_LOCAL, NULL, 0, eb)) != CL_OK)
		goto out;
	*out = ss;
	ss = NULL;
out:
	free(stub);
	shard_set_close(ss);
	return rc;
}

int shard_open_for_stub(const char *data_dir, struct store *s, struct shard_set **out,
			struct cl_errbuf *eb)
{
	char *stub = path_join(data_dir, SHARD_STUB), line[4096], *dir = NULL;
	FILE *f;
	int rc = CL_OK;

	*out = NULL;
	if (!stub)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	if (!(f = fopen(stub, "r"))) {
		rc = errno == ENOENT ? CL_ENOTFOUND
				     : cl_fail(eb, CL_EIO, "cannot read %s: %s", stub, strerror(errno));
		free(stub);
		return rc;
	}
	while (!dir && fgets(line, sizeof line, f)) {
		char val[sizeof line];
		if (sscanf(line, " # caselib: shards %4095[^\r\n]", val) != 1)
			continue;
		if (val[0] == '/' || !strchr(stub, '/'))
			dir = strdup(val);
		else if (asprintf(&dir, "%.*s/%s", (int)(strrchr(stub, '/') - stub), stub, val) < 0)
			dir = NULL;
		if (!dir)
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		break;
	}
	fclose(f);
	if (rc == CL_OK && dir)
		rc = shard_set_open(dir, 0, s, out, eb);
	free(dir);
	free(stub);
	return rc;
}

int shard_min_seq(struct shard_set *ss, int64_t *seq, struct cl_errbuf *eb)
{
	int rc = CL_OK;

	*seq = 0;
	for (unsigned i = 0; ss && i < ss->n && rc == CL_OK; i++) {
		int64_t v = 0;
		if ((rc = engine_last_seq(ss->e[i], &v, eb)) == CL_OK && (i == 0 || v < *seq))
			*seq = v;
	}
	return rc;
}

struct keep_ud {
	unsigned k, n;
};

static int keep_shard(const char *id, void *ud)
{
	const struct keep_ud *k = ud;
	return shard_of(id, k->n) == k->k;
}

/* The local database's seq (0 when missing or new). */
static int local_seq(struct xs_db *db, int64_t *seq, struct cl_errbuf *eb)
{
	char *v = NULL;
	int rc = xs_db_get_metadata(db, META_LAST_SEQ, &v, eb);

	*seq = rc == CL_OK && v ? strtoll(v, NULL, 10) : 0;
	free(v);
	return rc;
}

/* DIR/local: the spelling data of every shard (summed), and the seq. */
static int rebuild_local(struct shard_set *ss, int64_t seq, int force, struct shard_stats *st,
			 struct cl_errbuf *eb)
{
	char *lp = path_join(ss->dir, SHARD_LOCAL), *sp = path_join(ss->dir, SHARD_STUB);
	struct xs_db *local = NULL, *all = NULL;
	int64_t have = 0;
	char buf[32];
	int rc;

	if (!lp || !sp) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = xs_db_open(lp, 1, &local, eb)) != CL_OK ||
	    (rc = local_seq(local, &have, eb)) != CL_OK)
		goto out;
	if (!force && have == seq)
		goto out;
	if ((rc = xs_db_open_stub(sp, 0, &all, eb)) != CL_OK ||
	    (rc = xs_db_copy_spelling(local, all, &st->spelling_words, eb)) != CL_OK)
		goto out;
	snprintf(buf, sizeof buf, "%lld", (long long)seq);
	if ((rc = xs_db_set_metadata(local, META_LAST_SEQ, buf, eb)) == CL_OK &&
	    (rc = xs_db_commit(local, eb)) == CL_OK)
		st->local_rebuilt = 1;
out:
	xs_db_close(all);
	xs_db_close(local);
	free(lp);
	free(sp);
	return rc;
}

int shard_status(struct shard_set *ss, struct shard_stats *st, struct cl_errbuf *eb)
{
	int rc = CL_OK;

	memset(st, 0, sizeof *st);
	for (unsigned i = 0; i < ss->n && rc == CL_OK; i++) {
		if ((rc = engine_last_seq(ss->e[i], &st->from_seq[i], eb)) == CL_OK)
			rc = engine_count(ss->e[i], &st->docs[i], eb);
		st->to_seq[i] = st->from_seq[i];
	}
	return rc;
}

int shard_sync(struct store *s, struct shard_set *ss, size_t batch, struct shard_stats *stp,
	       struct cl_errbuf *eb)
{
	struct shard_stats st;
	int64_t min = -1;
	long changed = 0;
	int rc;

	if (!s || !ss)
		return cl_fail(eb, CL_EINVAL, "shard_sync: store and shards are required");
	if ((rc = shard_status(ss, &st, eb)) != CL_OK)
		goto out;
	for (unsigned i = 0; i < ss->n && rc == CL_OK; i++) {
		struct keep_ud k = {i, ss->n};
		struct sync_stats one;
		rc = sync_engine_filter(s, ss->e[i], batch ? batch : SHARD_BATCH, keep_shard, &k, NULL,
					NULL, &one, eb);
		if (rc != CL_OK) {
			char msg[sizeof eb->msg];
			snprintf(msg, sizeof msg, "%s", eb ? eb->msg : "");
			rc = cl_fail(eb, rc, "shard %u: %s", i, msg);
			break;
		}
		st.to_seq[i] = one.to_seq;
		st.put += one.put;
		st.deleted += one.deleted;
		changed += one.put + one.deleted;
		if ((rc = engine_count(ss->e[i], &st.docs[i], eb)) != CL_OK)
			break;
		if (min < 0 || one.to_seq < min)
			min = one.to_seq;
	}
	if (rc == CL_OK)
		rc = rebuild_local(ss, min < 0 ? 0 : min, changed > 0, &st, eb);
out:
	if (stp)
		*stp = st;
	return rc;
}
