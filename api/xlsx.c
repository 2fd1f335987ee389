/* xlsx.c — the spreadsheet export as .xlsx (xlsx.h). */
#include "xlsx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "store.h"

#define XLSX_TEXT_MAX 32000 /* bytes of one cell (Excel: 32,767 characters) */
#define XLSX_URL_MAX 2000   /* longer links are written as text */

/* s cut to at most max bytes at a UTF-8 character boundary (in place). */
static void cut_utf8(char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	s[max] = '\0';
}

static lxw_error write_cell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, enum sheet_type t,
			    char *v, lxw_format *datefmt)
{
	int y, m, d;

	switch (t) {
	case SHEET_NUMBER:
		return worksheet_write_number(ws, row, col, strtod(v, NULL), NULL);
	case SHEET_DATE:
		if (sscanf(v, "%4d-%2d-%2d", &y, &m, &d) == 3 && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
			lxw_datetime dt = {y, m, d, 0, 0, 0};
			return worksheet_write_datetime(ws, row, col, &dt, datefmt);
		}
		break;
	case SHEET_URL:
		if (strlen(v) <= XLSX_URL_MAX)
			return worksheet_write_url(ws, row, col, v, NULL);
		break;
	case SHEET_TEXT:
	case SHEET_CODE:
		break;
	}
	cut_utf8(v, XLSX_TEXT_MAX);
	return worksheet_write_string(ws, row, col, v, NULL);
}

int xlsx_export(struct store *s, char *const *ids, size_t n, enum sheet_lang l, const char *base,
		int *fd, size_t *size, struct cl_errbuf *eb)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	lxw_workbook_options opts = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
	lxw_workbook *wb = NULL;
	lxw_worksheet *ws;
	lxw_format *bold, *datefmt;
	struct case_record c;
	lxw_row_t row = 1;
	lxw_error le = LXW_NO_ERROR;
	struct stat st;
	int rc = CL_OK, tfd, rfd = -1, made = 0;
	size_t ncols = sheet_ncols();

	*fd = -1;
	*size = 0;
	case_init(&c);
	if (!dir || !*dir)
		dir = "/tmp";
	opts.tmpdir = (char *)(uintptr_t)dir;
	if ((size_t)snprintf(path, sizeof path, "%s/caselib-export-XXXXXX.xlsx", dir) >= sizeof path) {
		return cl_fail(eb, CL_EINVAL, "xlsx: TMPDIR too long");
	}
	if ((tfd = mkstemps(path, 5)) < 0) {
		return cl_fail(eb, CL_EIO, "xlsx: temporary file in %s: %s", dir, strerror(errno));
	}
	close(tfd);
	made = 1;
	if (!(wb = workbook_new_opt(path, &opts)) || !(ws = workbook_add_worksheet(wb, NULL))) {
		rc = cl_fail(eb, CL_ENOMEM, "xlsx: cannot start the workbook");
		goto out;
	}
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	datefmt = workbook_add_format(wb);
	format_set_num_format(datefmt, "yyyy-mm-dd");
	for (size_t k = 0; k < ncols; k++) {
		enum sheet_type t = sheet_type(k);
		double w = t == SHEET_TEXT ? 40 : t == SHEET_URL ? 30 : 14;
		worksheet_set_column(ws, (lxw_col_t)k, (lxw_col_t)k, w, NULL);
		worksheet_write_string(ws, 0, (lxw_col_t)k, sheet_header(k, l), bold);
	}
	worksheet_freeze_panes(ws, 1, 0);
	for (size_t i = 0; i < n && le == LXW_NO_ERROR && row < LXW_ROW_MAX; i++) {
		if (store_get_case(s, ids[i], &c, NULL) != CL_OK || !c.status ||
		    strcmp(c.status, "published"))
			continue;
		for (size_t k = 0; k < ncols && le == LXW_NO_ERROR; k++) {
			char *v = sheet_cell(&c, k, l, base);
			if (v && *v)
				le = write_cell(ws, row, (lxw_col_t)k, sheet_type(k), v, datefmt);
			free(v);
		}
		row++;
	}
	if (le == LXW_NO_ERROR)
		worksheet_autofilter(ws, 0, 0, row - 1, (lxw_col_t)(ncols - 1));
	if (le != LXW_NO_ERROR) {
		rc = cl_fail(eb, CL_EIO, "xlsx: %s", lxw_strerror(le));
	}
	le = workbook_close(wb);
	wb = NULL;
	if (rc == CL_OK && le != LXW_NO_ERROR) {
		rc = cl_fail(eb, CL_EIO, "xlsx: %s", lxw_strerror(le));
	}
	if (rc == CL_OK) {
		if ((rfd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(rfd, &st) != 0) {
			rc = cl_fail(eb, CL_EIO, "xlsx: reopen: %s", strerror(errno));
		} else {
			*fd = rfd;
			*size = (size_t)st.st_size;
			rfd = -1;
		}
	}
out:
	if (wb)
		workbook_close(wb);
	if (rfd >= 0)
		close(rfd);
	if (made)
		unlink(path); /* the descriptor keeps the data */
	case_release(&c);
	return rc;
}
