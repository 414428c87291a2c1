// Replays fuzzer inputs without libFuzzer: runs LLVMFuzzerTestOneInput on every file in the
// directories given, so ctest checks the checked-in corpora in every build (sanitizers included).
//
//   fuzz-replay DIR...

#include <cstdint>
#include <cstdio>
#include <dirent.h>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size);

int main(int argc, char ** argv) {
    int n = 0;
    for (int i = 1; i < argc; ++i) {
        DIR * d = opendir(argv[i]);
        if (!d) {
            fprintf(stderr, "cannot open %s\n", argv[i]);
            return 1;
        }
        while (const dirent * e = readdir(d)) {
            if (e->d_name[0] == '.') continue;
            const std::string path = std::string(argv[i]) + "/" + e->d_name;
            FILE * f = fopen(path.c_str(), "rb");
            if (!f) continue;
            std::vector<uint8_t> bytes;
            uint8_t buf[65536];
            size_t got;
            while ((got = fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + got);
            fclose(f);
            LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
            ++n;
        }
        closedir(d);
    }
    printf("replayed %d inputs\n", n);
    return n >= 5 ? 0 : 1; // an empty or missing corpus is a failure, not a pass
}
