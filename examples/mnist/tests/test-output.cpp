// The staged-output helper: all-or-none commits that restore replaced files when a later rename
// fails, temps removed on every path, modes kept.

#include "mnist-output.h"
#include "ggml-escape.h"

#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

static int g_failed = 0, g_passed = 0;
static void check(bool ok, const char * what) {
    if (ok) ++g_passed; else { ++g_failed; fprintf(stderr, "FAIL: %s\n", what); }
}

static std::string slurp(const std::string & path) {
    FILE * f = fopen(path.c_str(), "rb");
    if (!f) return "<missing>";
    std::string s;
    char buf[256];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    fclose(f);
    return s;
}

static void put(const std::string & path, const char * text) {
    FILE * f = fopen(path.c_str(), "wb");
    fputs(text, f);
    fclose(f);
}

static int count_temps(const std::string & dir) {
    int n = 0;
    DIR * d = opendir(dir.c_str());
    while (const dirent * e = readdir(d)) n += std::string(e->d_name).find(".tmp.") != std::string::npos;
    closedir(d);
    return n;
}

int main() {
    char tmpl[] = "/tmp/test-mnist-output-XXXXXX";
    const std::string dir = mkdtemp(tmpl);
    const std::string a = dir + "/a.txt", b = dir + "/b.txt";
    std::string err;

    // the second rename fails (its target became a folder): the first target gets its old content back
    put(a, "old a");
    {
        mnist_staged_file fa, fb;
        check(fa.open(a, err) && fb.open(b, err), "both staged files open");
        fputs("new a", fa.stream());
        fputs("new b", fb.stream());
        mkdir(b.c_str(), 0755);
        check(!mnist_commit_all({ &fa, &fb }, err), "commit fails when a rename fails");
        check(err.find("b.txt") != std::string::npos, "the message names the failing output");
    }
    check(slurp(a) == "old a", "the replaced file is restored");
    check(count_temps(dir) == 0, "no temp or backup left after a failed commit");
    rmdir(b.c_str());

    // a successful commit replaces both, keeping the mode of the replaced one
    chmod(a.c_str(), 0600);
    {
        mnist_staged_file fa, fb;
        check(fa.open(a, err) && fb.open(b, err), "both staged files open again");
        fputs("new a", fa.stream());
        fputs("new b", fb.stream());
        check(mnist_commit_all({ &fa, &fb }, err), "commit succeeds");
    }
    struct stat st;
    check(slurp(a) == "new a" && slurp(b) == "new b", "both files replaced");
    check(stat(a.c_str(), &st) == 0 && (st.st_mode & 0777) == 0600, "mode 600 kept");
    check(count_temps(dir) == 0, "no temp left after a commit");

    // an abandoned staged file leaves nothing; the signal-safe cleanup removes pending temps
    {
        mnist_staged_file f;
        check(f.open(dir + "/c.txt", err), "staged file opens");
        check(count_temps(dir) == 1, "its temp exists while pending");
        mnist_staged_remove_all_signal_safe();
        check(count_temps(dir) == 0, "the signal-safe cleanup removed it");
    }
    {
        mnist_staged_file f;
        f.open(dir + "/c.txt", err);
    }
    check(count_temps(dir) == 0 && access((dir + "/c.txt").c_str(), F_OK) != 0, "an uncommitted file leaves nothing");

    // escaping is idempotent and keeps messages on one line
    check(mnist_escape("a\nb\x1b[2J\t\\") == "a\\nb\\x1b[2J\\t\\", "control characters escaped");
    check(mnist_escape(mnist_escape("x\ny")) == mnist_escape("x\ny"), "escaping twice changes nothing");
    check(mnist_escape(std::string("fc\0x\r\x7f\xc3\xa9", 8)) == "fc\\x00x\\r\\x7f\\xc3\\xa9", "NUL, DEL and bytes >= 0x80 escaped");
    {
        // a buffer too small cuts at a whole escape, always terminated
        char out[8];
        ggml_escape_controls("ab\x1b\x1b", 4, out, sizeof out);
        check(std::string(out) == "ab\\x1b", "cut short at a whole escape");
        ggml_escape_controls("abcdefgh", 8, out, 1);
        check(out[0] == '\0', "a one-byte buffer gets the terminator");
    }

    unlink(a.c_str());
    unlink(b.c_str());
    rmdir(dir.c_str());
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
