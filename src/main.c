/*
 * main.c: start-up only.  Read the settings, then either run a sub-command
 * from the table below, or start the server, write the URL file once it
 * answers, tell a service manager it is ready, wait for SIGTERM or SIGINT,
 * stop and remove the URL file.
 *
 * Signals are blocked before any thread starts, so every thread inherits
 * the mask and only sigwait() here sees them.  After the first, the
 * default action is restored: a second signal ends the process at once.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/cmd.h"
#include "imaged/config.h"
#include "imaged/durable.h"
#include "imaged/imaged.h"
#include "imaged/log.h"
#include "imaged/notify.h"

#define SHUTDOWN_GRACE_MS	10000

extern char **environ;

/*
 * Whoever waits for the daemon reads the URL file: whole, world-readable,
 * and written without fsyncs, which would only delay them (after a crash
 * the URL names nothing anyway).
 */
static const struct durable_opts url_file_opts = { .mode = 0644,
	.transient = true };

/*
 * Remove the URL file if it still names url (another daemon may have
 * written it since), or with url NULL whatever it names: a start removes
 * the last run's at once, so that nobody waiting reads a dead URL.
 */
static void
url_file_remove(const char *path, const char *url)
{
	char	 buf[160];
	size_t	 n;
	FILE	*fp;

	if (path[0] == '\0')
		return;
	if (url != NULL) {
		if ((fp = fopen(path, "r")) == NULL)
			return;
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		if (strcmp(buf, url) != 0)
			return;
	}
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("%s", path);
}

/*
 * The sub-commands.  Adding one is a file src/cmd_NAME.c with its
 * function declared in cmd.h, and a row here: usage, --help and the
 * dispatch follow from the table.
 */
static const struct command {
	const char	*name;
	const char	*args;		/* after the name, for the usage */
	const char	*help;		/* one line for --help */
	cmd_fn		*run;
} commands[] = {
	{ .name = "check", .args = "[--repair]",
	  .help = "check the catalog against the files; --repair mends it",
	  .run = cmd_check },
	{ .name = "token", .args = "add USER [--admin] | list | revoke ID",
	  .help = "add, list or revoke the API tokens of auth = token",
	  .run = cmd_token },
	{ .name = "export", .args = "[--json] DIR",
	  .help = "write every image and record in S3's and DynamoDB's formats",
	  .run = cmd_export },
	{ .name = "import", .args = "[--json] [--items FILE] SRC | --adopt",
	  .help = "bring images in from an export, the AWS CLI, or the bucket",
	  .run = cmd_import },
	{ .name = "backup", .args = "[--json] DEST",
	  .help = "copy the data dir, consistently, while it serves",
	  .run = cmd_backup },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

/* The synopsis and the commands; config_usage() adds the settings. */
static void
usage(FILE *out)
{
	size_t	 i;

	fprintf(out,
	    "usage: imaged [-v] [-c file] [--ephemeral] [--url-file file]\n"
	    "              [--setting value ...] [command [args ...]]\n"
	    "       imaged --help | --version\n"
	    "\n"
	    "commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %s %s\n      %s\n", commands[i].name,
		    commands[i].args, commands[i].help);
	fprintf(out, "\n");
	config_usage(out);
}

static int
command(const struct config *cfg, int argc, char *argv[])
{
	size_t	 i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].run(cfg, argc, argv);
	fprintf(stderr, "imaged: unknown command \"%s\" (commands:", argv[0]);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(stderr, "%s %s", i > 0 ? "," : "", commands[i].name);
	fprintf(stderr, ")\n");
	return 2;
}

int
main(int argc, char *argv[])
{
	static struct config	 cfg;
	struct imaged		*d;
	sigset_t		 sigs;
	char			 msg[512];
	int			 first, sig;

	switch (config_load(&cfg, argc, argv, environ, &first, stdout, msg,
	    sizeof(msg))) {
	case CONFIG_HELP:
		usage(stdout);
		return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	case CONFIG_EXIT:
		return EXIT_SUCCESS;
	case CONFIG_ERROR:
		fprintf(stderr, "imaged: %s\n", msg);
		return EXIT_FAILURE;
	case CONFIG_OK:
		break;
	}
	log_init(cfg.verbose);
	log_set_format(cfg.log_json ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT);
	if (first < argc)
		return command(&cfg, argc - first, argv + first);

	signal(SIGPIPE, SIG_IGN);
	/* Past a file size limit, write(2) fails with EFBIG (a 507) instead. */
	signal(SIGXFSZ, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	notify_status(NULL, "starting");
	url_file_remove(cfg.url_file, NULL);
	if (imaged_start(&cfg, &d) != IMG_OK) {
		log_warnx("not started");
		notify_status(NULL, "not started: see the log");
		return EXIT_FAILURE;
	}
	log_info("listening on %s, data in %s", imaged_url(d), d->data_dir);
	/*
	 * The URL file promises an answer, not only a listening socket: it
	 * is written after the daemon answered its own GET /healthz.
	 */
	if (cfg.url_file[0] != '\0' && imaged_ping(d) != IMG_OK) {
		log_warnx("%s/healthz does not answer 200", imaged_url(d));
		imaged_stop(d, 0);
		return EXIT_FAILURE;
	}
	if (cfg.url_file[0] != '\0' &&
	    durable_write(cfg.url_file, imaged_url(d), strlen(imaged_url(d)),
	    &url_file_opts, NULL, 0) != IMG_OK) {
		log_warn("%s", cfg.url_file);
		imaged_stop(d, 0);
		return EXIT_FAILURE;
	}
	/* It answers from here on: the listening socket is open. */
	notify_status("READY=1", "serving on %s", imaged_url(d));

	while (sigwait(&sigs, &sig) != 0)
		;
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
	log_info("stopping (signal %d)", sig);
	notify_status("STOPPING=1", "stopping: finishing requests in flight");
	/* First: from now on the URL may stop answering. */
	url_file_remove(cfg.url_file, imaged_url(d));
	imaged_stop(d, SHUTDOWN_GRACE_MS);
	return EXIT_SUCCESS;
}
