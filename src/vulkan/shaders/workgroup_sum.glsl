// The sum of one value per invocation over a one-dimensional workgroup of WG invocations (WG a
// power of two, defined before this file is included), through a tree in shared memory. Every
// invocation of the workgroup must call it; the result is valid in invocation 0.
shared float wg_part[WG];

float workgroup_sum(float x) {
    const uint l = gl_LocalInvocationID.x;
    wg_part[l] = x;
    barrier();
    for (uint s = WG / 2; s > 0; s >>= 1) {
        if (l < s) wg_part[l] += wg_part[l + s];
        barrier();
    }
    return wg_part[0];
}
