/* cli_token.c — `caselib token`: a thin layer over api/auth.h. The token
 * text goes to stdout once and nowhere else (not stderr, not the audit). */
#include "cli_token.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "store.h"

static int open_rw(struct cli_ctx *ctx, struct store **s)
{
	struct cl_errbuf eb = {0};
	int rc = store_open(ctx->data_dir, 0, s, &eb);

	if (rc == CL_OK)
		return CLI_EXIT_OK;
	if (rc == CL_ENOTFOUND)
		fprintf(stderr, "%s: no store in %s (run '%s init --data %s' first)\n", ctx->prog,
			ctx->data_dir, ctx->prog, ctx->data_dir);
	else
		fprintf(stderr, "%s: cannot open store in %s: %s\n", ctx->prog, ctx->data_dir,
			eb.msg);
	return CLI_EXIT_STORE;
}

static int cmd_create(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"role", required_argument, NULL, 'r'},
		{"name", required_argument, NULL, 'n'},
		{"person", required_argument, NULL, 'p'},
		{"expires", required_argument, NULL, 'e'},
		{NULL, 0, NULL, 0},
	};
	const char *role_name = NULL, *name = NULL, *person = NULL, *expires = NULL;
	char token[AUTH_TOKEN_LEN + 1], id[40], until[32] = "";
	struct auth_token_spec spec;
	struct cl_errbuf eb = {0};
	struct store *s = NULL;
	int ch, role, rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (ch == 'r')
			role_name = optarg;
		else if (ch == 'n')
			name = optarg;
		else if (ch == 'p')
			person = optarg;
		else if (ch == 'e')
			expires = optarg;
		else
			return cli_usage(ctx, "token", "create: unknown option or missing value");
	}
	if (optind < argc)
		return cli_usage(ctx, "token", "create: unexpected argument");
	if (!role_name || !name)
		return cli_usage(ctx, "token", "create needs --role and --name");
	role = auth_role_from_name(role_name);
	if (role < 0)
		return cli_usage(ctx, "token", "--role must be contributor, reviewer or admin");
	if (person && !*person)
		return cli_usage(ctx, "token", "--person must not be empty");
	if (expires && auth_parse_expiry(expires, (long long)time(NULL), until, &eb) != CL_OK)
		return cli_usage(ctx, "token", eb.msg);
	if ((rc = open_rw(ctx, &s)))
		return rc;
	spec = (struct auth_token_spec){(enum auth_role)role, name, person,
					expires ? until : NULL};
	rc = auth_token_issue(s, &spec, token, id, &eb);
	store_close(s);
	if (rc == CL_EINVAL)
		return cli_usage(ctx, "token", eb.msg);
	if (rc) {
		fprintf(stderr, "%s token create: %s\n", ctx->prog, eb.msg);
		return CLI_EXIT_STORE;
	}
	printf("token: %s\nid: %s\nrole: %s\nperson: %s\nexpires: %s\n", token, id, role_name,
	       person ? person : name, expires ? until : "never");
	fflush(stdout);
	memset(token, 0, sizeof token);
	fprintf(stderr, "%s token: keep the token now; it is not shown again"
			" (only its hash is stored)\n", ctx->prog);
	return CLI_EXIT_OK;
}

static int cmd_revoke(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cl_errbuf eb = {0};
	struct store *s = NULL;
	int rc;

	if (argc != 2)
		return cli_usage(ctx, "token", "revoke takes one token id");
	if ((rc = open_rw(ctx, &s)))
		return rc;
	rc = auth_token_revoke(s, argv[1], &eb);
	store_close(s);
	if (rc == CL_ENOTFOUND) {
		fprintf(stderr, "%s token revoke: %s\n", ctx->prog, eb.msg);
		return CLI_EXIT_NOTFOUND;
	}
	if (rc) {
		fprintf(stderr, "%s token revoke: %s\n", ctx->prog, eb.msg);
		return CLI_EXIT_STORE;
	}
	printf("revoked %s\n", argv[1]);
	return CLI_EXIT_OK;
}

static int print_token(const struct auth_token_info *t, void *ud)
{
	(void)ud;
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t->id, t->role, t->created_at,
	       t->revoked_at ? t->revoked_at : "-", t->expires_at ? t->expires_at : "-",
	       t->last_used_at ? t->last_used_at : "-", t->person ? t->person : "", t->name);
	return 0;
}

static int cmd_list(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cl_errbuf eb = {0};
	struct store *s = NULL;
	int rc;

	(void)argv;
	if (argc != 1)
		return cli_usage(ctx, "token", "list takes no arguments");
	if ((rc = open_rw(ctx, &s)))
		return rc;
	rc = auth_token_list(s, print_token, NULL, &eb);
	store_close(s);
	if (rc) {
		fprintf(stderr, "%s token list: %s\n", ctx->prog, eb.msg);
		return CLI_EXIT_STORE;
	}
	return CLI_EXIT_OK;
}

int cli_cmd_token(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(ctx, "token", "needs create, revoke or list");
	if (!strcmp(argv[1], "create"))
		return cmd_create(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "revoke"))
		return cmd_revoke(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return cmd_list(ctx, argc - 1, argv + 1);
	return cli_usage(ctx, "token", "needs create, revoke or list");
}
