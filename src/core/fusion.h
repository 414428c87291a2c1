#pragma once

// The backend-neutral fusion matcher. A backend describes the runs of nodes it computes as one
// pass (a table of patterns) and plans a graph once before running it:
//
//   std::vector<int> plan;
//   ggml_fusion_plan(graph, patterns, n_patterns, plan);   // plan[i]: pattern starting at i, or -1
//
// A pattern matches nodes i .. i+n-1 of the graph when their ops are the pattern's, each node
// reads the one before as its src[0], where asked the intermediate results are read by nothing
// else in the whole graph and are not outputs (their values are then never needed), and the
// backend's own accept() (types, layouts, memory, available kernels) agrees. Readers are counted
// once per plan, over the whole graph when the graph is a scheduler's split of a larger one.

#include "core/ggml-impl.h"

#include <unordered_map>
#include <vector>

struct ggml_fusion_op {
    ggml_op op;
    int     unary_op; // for GGML_OP_UNARY: the ggml_unary_op required; -1 for any
};

struct ggml_fusion_pattern {
    const ggml_fusion_op * ops;
    int                    n_ops;
    bool                   private_intermediates; // results of all but the last node unread elsewhere
    bool (*accept)(ggml_tensor * const * nodes);  // the run's nodes; NULL: always
};

// How many times each tensor is read in a graph: once per source slot that names it, once per
// view of it. Built on first use.
class ggml_use_counts {
public:
    explicit ggml_use_counts(const ggml_cgraph * graph) : whole_(graph->whole ? graph->whole : graph) {}
    // Whether a node other than reader reads t, or t is an output.
    bool read_outside(const ggml_tensor * t, const ggml_tensor * reader);

private:
    const ggml_cgraph *                          whole_;
    std::unordered_map<const ggml_tensor *, int> counts_;
    bool                                         built_ = false;
};

// Whether pattern p matches the nodes of graph starting at index i.
bool ggml_fusion_matches(const ggml_cgraph * graph, int i, const ggml_fusion_pattern & p, ggml_use_counts & uses);

// plan[i] = index of the first pattern matching at i, for each i where a run starts; nodes that
// compute nothing start no run, and the nodes a run covers start none. Other entries are -1.
void ggml_fusion_plan(const ggml_cgraph * graph, const ggml_fusion_pattern * patterns, int n_patterns, std::vector<int> & plan);

// The number of nodes a plan entry covers (1 for -1).
inline int ggml_fusion_length(const ggml_fusion_pattern * patterns, int entry) { return entry < 0 ? 1 : patterns[entry].n_ops; }
