/* cli.c — argument handling of seqd and seqctl. */
#include "node.h"

#include <curl/curl.h>
#include <jansson.h>
#include <lmdb.h>
#include <nng/nng.h>
#include <protobuf-c/protobuf-c.h>
#include <sodium.h>
#include <string.h>
#include <zstd.h>

#include "wire.h"

void node_version_line(char *out, size_t out_len)
{
    SEQ_ASSERT(out != NULL && out_len > 0);
    int lmdb_major = 0, lmdb_minor = 0, lmdb_patch = 0;
    mdb_version(&lmdb_major, &lmdb_minor, &lmdb_patch);
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    snprintf(out, out_len,
             "seqd %s (wire v%u; libsodium %s, nng %s, lmdb %d.%d.%d, protobuf-c %s, "
             "zstd %s, curl %s, jansson %s)",
             SEQ_VERSION, WIRE_VERSION, sodium_version_string(), nng_version(), lmdb_major,
             lmdb_minor, lmdb_patch, protobuf_c_version(), ZSTD_versionString(),
             curl ? curl->version : "?", jansson_version_str());
}

static void seqd_usage(FILE *f)
{
    fputs("usage: seqd [--version] [--help] --config FILE\n"
          "\n"
          "Runs one seqd committee node.\n"
          "\n"
          "  --config FILE   node configuration\n"
          "  --version       print the version and linked library versions\n"
          "  --help          print this help\n",
          f);
}

int node_seqd_main(int argc, char **argv, FILE *out, FILE *err)
{
    char version[512];
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0) {
            node_version_line(version, sizeof version);
            fprintf(out, "%s\n", version);
            return NODE_EXIT_OK;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            seqd_usage(out);
            return NODE_EXIT_OK;
        }
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config = argv[++i];
            continue;
        }
        fprintf(err, "seqd: unknown or incomplete argument '%s'\n", argv[i]);
        seqd_usage(err);
        return NODE_EXIT_USAGE;
    }
    if (config == NULL) {
        fputs("seqd: --config FILE is required\n", err);
        seqd_usage(err);
        return NODE_EXIT_USAGE;
    }
    fprintf(err,
            "seqd: the node runtime is not part of seqd %s; only --version and --help "
            "are available\n",
            SEQ_VERSION);
    return NODE_EXIT_FAILURE;
}

static void seqctl_usage(FILE *f)
{
    fputs("usage: seqctl COMMAND [ARGS]\n"
          "\n"
          "Commands:\n"
          "  version   print the version and linked library versions\n"
          "  help      print this help\n",
          f);
}

int node_seqctl_main(int argc, char **argv, FILE *out, FILE *err)
{
    if (argc < 2) {
        seqctl_usage(err);
        return NODE_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        seqctl_usage(out);
        return NODE_EXIT_OK;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        char version[512];
        node_version_line(version, sizeof version);
        fprintf(out, "%s\n", version);
        return NODE_EXIT_OK;
    }
    fprintf(err, "seqctl: unknown command '%s'\n", cmd);
    seqctl_usage(err);
    return NODE_EXIT_USAGE;
}
