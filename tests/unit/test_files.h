/* test_files.h — temporary directories and small files for the key, genesis,
 * config and CLI tests. Failures abort the test through cmocka's asserts;
 * include after <cmocka.h>. */
#ifndef SEQ_TEST_FILES_H
#define SEQ_TEST_FILES_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TF_PATH_BYTES 1024u

/* A fresh directory under $TMPDIR (or /tmp); free() the result. */
static inline char *tf_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char *path = malloc(TF_PATH_BYTES);
    assert_non_null(path);
    snprintf(path, TF_PATH_BYTES, "%s/seq-test-XXXXXX", base != NULL ? base : "/tmp");
    assert_non_null(mkdtemp(path));
    return path;
}

/* Removes path and everything below it (no symlinks are followed). */
static inline void tf_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        assert_non_null(d);
        for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char child[TF_PATH_BYTES];
            int n = snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            assert_true(n > 0 && (size_t)n < sizeof child);
            tf_rmtree(child);
        }
        closedir(d);
        assert_int_equal(rmdir(path), 0);
    } else {
        assert_int_equal(unlink(path), 0);
    }
}

/* out = dir/name. */
static inline const char *tf_join(char out[TF_PATH_BYTES], const char *dir, const char *name)
{
    int n = snprintf(out, TF_PATH_BYTES, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < TF_PATH_BYTES);
    return out;
}

/* Replaces path with text (created with mode if new; an existing file keeps
 * its mode unless chmod'ed). */
static inline void tf_write(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

/* The whole file, NUL-terminated; free() it. */
static inline char *tf_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    assert_true(len >= 0);
    rewind(f);
    char *text = malloc((size_t)len + 1u);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    text[len] = '\0';
    fclose(f);
    return text;
}

static inline mode_t tf_mode(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

#endif /* SEQ_TEST_FILES_H */
