/* ranking.c — ranking quality of each engine on the Cranfield collection
 * (../shared/data/cranfield): 1,400 aeronautics abstracts, 225 queries,
 * 1,836 judgements. Loads the documents into a temporary store as English
 * cases (title + abstract), syncs the engines, runs every query as typed
 * (AND, falling back to OR as users get it), and prints MAP (top 1,000),
 * nDCG@10 and P@10 per engine. `make ranking` runs it; docs/ranking.md
 * keeps the figures.
 *
 * Judgements: codes 1..4 are relevant (1 = complete answer .. 4 = minimum
 * interest, cranqrel.readme); -1 rows are not. nDCG gains are 5 - code
 * (4, 3, 2, 1). Queries are numbered 1..225 by position, not by .I. */
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "case.h"
#include "engine.h"
#include "store.h"
#include "sync.h"

#define NDOCS_MAX 1400
#define NQ_MAX 225
#define DEPTH 1000

struct doc {
	char *title, *text;
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Splits SMART text into records: for each ".I", the fields .T and .W
 * (others skipped). CR removed, lines joined with spaces. */
static int parse_smart(char *text, struct doc *docs, int max)
{
	int n = -1;
	char **field = NULL;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (!strncmp(line, ".I", 2)) {
			if (n + 1 >= max)
				break;
			n++;
			docs[n].title = calloc(1, 1);
			docs[n].text = calloc(1, 1);
			field = NULL;
		} else if (n >= 0 && line[0] == '.' && len == 2) {
			field = line[1] == 'T' ? &docs[n].title : line[1] == 'W' ? &docs[n].text : NULL;
		} else if (field) {
			size_t old = strlen(*field);
			char *p = realloc(*field, old + len + 2);
			if (!p)
				return -1;
			if (old)
				p[old++] = ' ';
			memcpy(p + old, line, len + 1);
			*field = p;
		}
	}
	return n + 1;
}

static int rm_cb(const char *p, const struct stat *sb, int fl, struct FTW *ftw)
{
	(void)sb;
	(void)fl;
	(void)ftw;
	return remove(p);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* qrel[q][d] = code (0 = not judged) */
static signed char qrel[NQ_MAX + 1][NDOCS_MAX + 1];

int main(int argc, char **argv)
{
	const char *shared = getenv("CASELIB_SHARED");
	char path[4096], dir[] = "/tmp/caselib-ranking-XXXXXX";
	struct doc docs[NDOCS_MAX], qs[NQ_MAX];
	struct store *s = NULL;
	struct cl_errbuf eb = {{0}};
	char *t;
	int ndocs, nq, rc = 1;
	FILE *f;
	int only = -1;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: ranking [xapian|fts5]\n\nRanking quality on the Cranfield collection "
		       "(MAP@1000, nDCG@10, P@10);\nreads $CASELIB_SHARED/cranfield (default ../shared/data).\n");
		return 0;
	}
	if (argc > 1 && (only = engine_kind_from_name(argv[1])) < 0) {
		fprintf(stderr, "ranking: unknown engine '%s'\n", argv[1]);
		return 2;
	}
	if (!shared || !*shared)
		shared = "../shared/data";
	snprintf(path, sizeof path, "%s/cranfield/cran.all.1400", shared);
	if (!(t = slurp(path))) {
		fprintf(stderr, "ranking: cannot read %s\n", path);
		return 2;
	}
	ndocs = parse_smart(t, docs, NDOCS_MAX);
	free(t);
	snprintf(path, sizeof path, "%s/cranfield/cran.qry", shared);
	if (!(t = slurp(path))) {
		fprintf(stderr, "ranking: cannot read %s\n", path);
		return 2;
	}
	nq = parse_smart(t, qs, NQ_MAX);
	free(t);
	snprintf(path, sizeof path, "%s/cranfield/cranqrel", shared);
	if (!(f = fopen(path, "r"))) {
		fprintf(stderr, "ranking: cannot read %s\n", path);
		return 2;
	}
	{
		int q, d, c, nj = 0;
		while (fscanf(f, "%d %d %d", &q, &d, &c) == 3)
			if (q >= 1 && q <= NQ_MAX && d >= 1 && d <= NDOCS_MAX && c >= 1 && c <= 4) {
				qrel[q][d] = (signed char)c;
				nj++;
			}
		fclose(f);
		printf("cranfield: %d documents, %d queries, %d relevant judgements\n", ndocs, nq, nj);
	}

	if (!mkdtemp(dir) || store_open(dir, STORE_CREATE, &s, &eb) != CL_OK) {
		fprintf(stderr, "ranking: store: %s\n", eb.msg);
		return 1;
	}
	store_begin(s, &eb);
	for (int i = 0; i < ndocs; i++) {
		struct case_record c;
		struct case_source src = {0};
		struct store_put_result res;
		char id[32], url[96];

		case_init(&c);
		snprintf(id, sizeof id, "cran-%d", i + 1);
		snprintf(url, sizeof url, "file:///cranfield/cran.all.1400#%d", i + 1);
		c.id = id;
		c.kind = (char *)(uintptr_t) "case";
		c.title = docs[i].title[0] ? docs[i].title : (char *)(uintptr_t) "(untitled)";
		c.body = docs[i].text;
		c.language = (char *)(uintptr_t) "en";
		src.url = url;
		src.retrieved_at = (char *)(uintptr_t) "2026-11-27T00:00:00Z";
		c.sources = &src;
		c.nsources = 1;
		if (store_put_case(s, &c, "ranking", &res, &eb) != CL_OK) {
			fprintf(stderr, "ranking: %s: %s\n", id, eb.msg);
			goto out;
		}
	}
	store_commit(s, &eb);

	printf("\n| engine | MAP | nDCG@10 | P@10 | queries | ms/query |\n|---|---:|---:|---:|---:|---:|\n");
	for (int k = 0; k < 2; k++) {
		struct engine *e = NULL;
		double map = 0, ndcg = 0, p10 = 0, t0;
		int evaluated = 0;

		if (only >= 0 && k != only)
			continue;
		if (engine_open((enum engine_kind)k, dir, s, 1, &e, &eb) != CL_OK ||
		    sync_engine(s, e, 0, NULL, NULL, NULL, &eb) != CL_OK) {
			fprintf(stderr, "ranking: %s: %s\n", engine_kind_name((enum engine_kind)k), eb.msg);
			engine_close(e);
			goto out;
		}
		t0 = now();
		for (int q = 1; q <= nq; q++) {
			int nrel = 0, found = 0, rank = 0;
			double ap = 0, dcg = 0, idcg = 0;
			int gains[NDOCS_MAX], ng = 0;

			for (int d = 1; d <= ndocs; d++)
				if (qrel[q][d]) {
					nrel++;
					gains[ng++] = 5 - qrel[q][d];
				}
			if (!nrel)
				continue;
			for (size_t off = 0; off < DEPTH; off += 100) {
				struct search_request rq;
				struct search_result r;
				char text[1024];

				snprintf(text, sizeof text, "%s", qs[q - 1].text);
				search_request_init(&rq);
				rq.text = text;
				rq.lang = "en";
				rq.offset = off;
				rq.limit = 100;
				if (engine_search(e, &rq, &r, &eb) != CL_OK) {
					fprintf(stderr, "ranking: query %d: %s\n", q, eb.msg);
					break;
				}
				for (size_t i = 0; i < r.nhits; i++) {
					int d = atoi(r.hits[i].id + 5);
					rank++;
					if (d >= 1 && d <= NDOCS_MAX && qrel[q][d]) {
						found++;
						ap += (double)found / rank;
						if (rank <= 10) {
							dcg += (5 - qrel[q][d]) / log2(rank + 1.0);
							p10 += 0.1;
						}
					}
				}
				search_result_release(&r);
				if (r.nhits < 100)
					break;
			}
			/* ideal DCG: gains sorted descending */
			for (int i = 0; i < ng; i++)
				for (int j = i + 1; j < ng; j++)
					if (gains[j] > gains[i]) {
						int g = gains[i];
						gains[i] = gains[j];
						gains[j] = g;
					}
			for (int i = 0; i < ng && i < 10; i++)
				idcg += gains[i] / log2(i + 2.0);
			map += ap / nrel;
			ndcg += idcg > 0 ? dcg / idcg : 0;
			evaluated++;
		}
		printf("| %s | %.4f | %.4f | %.4f | %d | %.2f |\n", engine_kind_name((enum engine_kind)k),
		       map / evaluated, ndcg / evaluated, p10 / evaluated, evaluated,
		       (now() - t0) * 1e3 / evaluated);
		engine_close(e);
	}
	rc = 0;
out:
	store_close(s);
	nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
	for (int i = 0; i < ndocs; i++) {
		free(docs[i].title);
		free(docs[i].text);
	}
	for (int i = 0; i < nq; i++) {
		free(qs[i].title);
		free(qs[i].text);
	}
	return rc;
}
