// Copyright 2026 The Sonnet Authors. All Rights Reserved.
// Licensed under the Apache License, Version 2.0.
//
// Registration of the Sonnet>Resampler and Sonnet>ResamplerGrad ops.
//
// The shape functions only do what static shapes can prove (as in Sonnet 1):
// every other check happens in the kernels at run time (resampler_kernels.cc).

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/shape_inference.h"

namespace sonnet {
namespace {

using ::tensorflow::shape_inference::DimensionHandle;
using ::tensorflow::shape_inference::InferenceContext;
using ::tensorflow::shape_inference::ShapeHandle;

// output = warp.shape[:-1] + [data.shape[-1]], with the batch dimensions merged.
absl::Status ResamplerShape(InferenceContext* c) {
  ShapeHandle data;
  ShapeHandle warp;
  TF_RETURN_IF_ERROR(c->WithRankAtLeast(c->input(0), 1, &data));
  TF_RETURN_IF_ERROR(c->WithRankAtLeast(c->input(1), 1, &warp));
  if (!InferenceContext::RankKnown(warp)) {
    c->set_output(0, c->UnknownShape());
    return absl::OkStatus();
  }
  ShapeHandle prefix;
  TF_RETURN_IF_ERROR(c->Subshape(warp, 0, -1, &prefix));
  DimensionHandle channels = c->UnknownDim();
  if (InferenceContext::RankKnown(data)) {
    channels = c->Dim(data, -1);
    const DimensionHandle data_batch = c->Dim(data, 0);
    const DimensionHandle warp_batch = c->Dim(warp, 0);
    // Rank-1 inputs (the 2017 README line) have no batch dimension to check.
    const bool both_batched = c->Rank(data) >= 2 && c->Rank(warp) >= 2;
    if (both_batched && c->ValueKnown(data_batch) &&
        c->ValueKnown(warp_batch) &&
        c->Value(data_batch) != c->Value(warp_batch)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Batch size of data and warp tensor must be the same, but input "
          "shapes are: ",
          c->DebugString(data), ", ", c->DebugString(warp)));
    }
    if (both_batched) {
      DimensionHandle batch;
      TF_RETURN_IF_ERROR(c->Merge(data_batch, warp_batch, &batch));
      TF_RETURN_IF_ERROR(c->ReplaceDim(prefix, 0, batch, &prefix));
    }
  }
  ShapeHandle output;
  TF_RETURN_IF_ERROR(c->Concatenate(prefix, c->Vector(channels), &output));
  c->set_output(0, output);
  return absl::OkStatus();
}

absl::Status ResamplerGradShape(InferenceContext* c) {
  ShapeHandle unused;
  TF_RETURN_IF_ERROR(c->WithRankAtLeast(c->input(0), 1, &unused));
  TF_RETURN_IF_ERROR(c->WithRankAtLeast(c->input(1), 1, &unused));
  c->set_output(0, c->input(0));
  c->set_output(1, c->input(1));
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("Sonnet>Resampler")
    .Input("data: T")
    .Input("warp: T")
    .Output("output: T")
    .Attr("T: {bfloat16, half, float, double}")
    .SetShapeFn(ResamplerShape)
    .Doc(R"doc(
Bilinear resampling of `data` [B, H, W, C] at the points `warp` [B, ..., 2].

warp[..., 0] is x (column, width index), warp[..., 1] is y (row, height
index), in pixels with pixel centres at integers. Corners outside the image
count as zeros, so the output fades to 0 within one pixel outside the image
and is exactly 0 unless -1 < x < W and -1 < y < H.

output: [B, ..., C].
)doc");

REGISTER_OP("Sonnet>ResamplerGrad")
    .Input("data: T")
    .Input("warp: T")
    .Input("grad_output: T")
    .Output("grad_data: T")
    .Output("grad_warp: T")
    .Attr("T: {bfloat16, half, float, double}")
    .SetShapeFn(ResamplerGradShape)
    .Doc(R"doc(
Gradients of Sonnet>Resampler with respect to `data` and `warp`.

At integer coordinates the warp gradient is the forward difference (as in
Sonnet 1); samples outside (-1, W) x (-1, H) get zero gradient.
)doc");

}  // namespace sonnet
