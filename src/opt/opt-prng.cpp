// xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64 (Steele, Lea and Flood), and
// the Fisher-Yates shuffle on top of it.

#include "opt/opt-prng.h"

static uint64_t splitmix64_next(uint64_t & x) {
    x += 0x9e3779b97f4a7c15ull;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void ggml_opt_prng_seed(ggml_opt_prng & rng, uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t & word : rng.s) word = splitmix64_next(x);
    // splitmix64 is a bijection of its counter, so four consecutive outputs are never all zero
}

uint64_t ggml_opt_prng_next(ggml_opt_prng & rng) {
    uint64_t * s = rng.s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t ggml_opt_prng_below(ggml_opt_prng & rng, uint64_t n) {
    // Values below `threshold` would make some residues one draw more likely than others;
    // 2^64 - threshold is the largest multiple of n that fits, so the residues of the rest are
    // equally likely.
    const uint64_t threshold = (0 - n) % n;
    for (;;) {
        const uint64_t r = ggml_opt_prng_next(rng);
        if (r >= threshold) return r % n;
    }
}

void ggml_opt_prng_shuffle(ggml_opt_prng & rng, int64_t * values, int64_t n) {
    for (int64_t i = n - 1; i > 0; --i) {
        const int64_t j = (int64_t) ggml_opt_prng_below(rng, (uint64_t) i + 1);
        const int64_t tmp = values[i];
        values[i] = values[j];
        values[j] = tmp;
    }
}
