/* Tests for seqd / seqctl argument handling (in-process) and the installed
 * binaries (as a user runs them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node.h"

typedef struct {
    int code;
    char out[4096];
    char err[4096];
} run_result;

static void run(run_result *r, int (*fn)(int, char **, FILE *, FILE *), int argc, char **argv)
{
    FILE *out = tmpfile(), *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    r->code = fn(argc, argv, out, err);
    rewind(out);
    rewind(err);
    size_t n = fread(r->out, 1, sizeof r->out - 1, out);
    r->out[n] = '\0';
    n = fread(r->err, 1, sizeof r->err - 1, err);
    r->err[n] = '\0';
    fclose(out);
    fclose(err);
}

static void test_version_line(void **state)
{
    (void)state;
    char line[512];
    node_version_line(line, sizeof line);
    assert_true(strncmp(line, "seqd " SEQ_VERSION " (wire v1; ", 17) == 0);
    for (const char *lib = "libsodium\0nng\0lmdb\0protobuf-c\0zstd\0curl\0jansson\0"; *lib;
         lib += strlen(lib) + 1)
        assert_non_null(strstr(line, lib));
    char small[8];
    node_version_line(small, sizeof small);
    assert_string_equal(small, "seqd 0.");
}

static void test_seqd_args(void **state)
{
    (void)state;
    run_result r;
    char *v[] = {"seqd", "--version", NULL};
    run(&r, node_seqd_main, 2, v);
    assert_int_equal(r.code, NODE_EXIT_OK);
    assert_true(strncmp(r.out, "seqd " SEQ_VERSION, 10) == 0);

    char *h[] = {"seqd", "--help", NULL};
    run(&r, node_seqd_main, 2, h);
    assert_int_equal(r.code, NODE_EXIT_OK);
    assert_non_null(strstr(r.out, "--config FILE"));

    char *none[] = {"seqd", NULL};
    run(&r, node_seqd_main, 1, none);
    assert_int_equal(r.code, NODE_EXIT_USAGE);
    assert_non_null(strstr(r.err, "--config FILE is required"));

    char *bad[] = {"seqd", "--bogus", NULL};
    run(&r, node_seqd_main, 2, bad);
    assert_int_equal(r.code, NODE_EXIT_USAGE);
    assert_non_null(strstr(r.err, "'--bogus'"));

    char *dangling[] = {"seqd", "--config", NULL};
    run(&r, node_seqd_main, 2, dangling);
    assert_int_equal(r.code, NODE_EXIT_USAGE);

    char *cfg[] = {"seqd", "--config", "node.toml", NULL};
    run(&r, node_seqd_main, 3, cfg);
    assert_int_equal(r.code, NODE_EXIT_FAILURE);
    assert_non_null(strstr(r.err, "not part of seqd"));
}

static void test_seqctl_args(void **state)
{
    (void)state;
    run_result r;
    char *h[] = {"seqctl", "--help", NULL};
    run(&r, node_seqctl_main, 2, h);
    assert_int_equal(r.code, NODE_EXIT_OK);
    assert_non_null(strstr(r.out, "usage: seqctl COMMAND"));

    char *v[] = {"seqctl", "version", NULL};
    run(&r, node_seqctl_main, 2, v);
    assert_int_equal(r.code, NODE_EXIT_OK);
    assert_true(strncmp(r.out, "seqd " SEQ_VERSION, 10) == 0);

    char *none[] = {"seqctl", NULL};
    run(&r, node_seqctl_main, 1, none);
    assert_int_equal(r.code, NODE_EXIT_USAGE);
    assert_non_null(strstr(r.err, "usage:"));

    char *bad[] = {"seqctl", "frobnicate", NULL};
    run(&r, node_seqctl_main, 2, bad);
    assert_int_equal(r.code, NODE_EXIT_USAGE);
    assert_non_null(strstr(r.err, "unknown command 'frobnicate'"));
}

/* The built executables behave like the functions (paths from CMake). */
static void test_binaries(void **state)
{
    (void)state;
    const char *seqd = getenv("SEQ_SEQD");
    const char *seqctl = getenv("SEQ_SEQCTL");
    assert_non_null(seqd);
    assert_non_null(seqctl);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' --version", seqd);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512] = {0};
    assert_non_null(fgets(line, sizeof line, p));
    assert_int_equal(pclose(p), 0);
    assert_true(strncmp(line, "seqd " SEQ_VERSION, 10) == 0);
    snprintf(cmd, sizeof cmd, "'%s' --help >/dev/null", seqctl);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' nope 2>/dev/null", seqctl);
    int status = system(cmd);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), NODE_EXIT_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_line),
        cmocka_unit_test(test_seqd_args),
        cmocka_unit_test(test_seqctl_args),
        cmocka_unit_test(test_binaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
