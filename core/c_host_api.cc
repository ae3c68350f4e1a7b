#include "core/c_host_api.h"

#include <exception>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/attrs.h"
#include "core/parallel.h"
#include "core/tensor.h"

// Completes the C header's opaque error type.
struct NablaStatus {
  std::string message;
};

namespace nabla {
namespace c_host {
namespace {

// Every function here is called by plugin code through C: none may throw,
// and none may trust an index or a pointer it is given.

// What make_error returns when it cannot allocate; never freed.
NablaStatus out_of_memory{"out of memory while reporting an error"};

NablaStatus* MakeError(const char* message) {
  try {
    return new NablaStatus{message == nullptr ? "" : message};
  } catch (...) {
    return &out_of_memory;
  }
}

// --- handles -------------------------------------------------------------

const Tensor* AsTensor(const NablaTensor* t) {
  return reinterpret_cast<const Tensor*>(t);
}
const ShapeCall* AsShape(const NablaShapeContext* c) {
  return reinterpret_cast<const ShapeCall*>(c);
}
const KernelCall* AsKernel(const NablaKernelContext* c) {
  return reinterpret_cast<const KernelCall*>(c);
}
const GradientCall* AsGradient(const NablaGradientContext* c) {
  return reinterpret_cast<const GradientCall*>(c);
}
const NablaTensor* Handle(const Tensor* t) {
  return reinterpret_cast<const NablaTensor*>(t);
}
NablaTensor* MutableHandle(Tensor* t) {
  return reinterpret_cast<NablaTensor*>(t);
}
const NablaAttrs* Handle(const ResolvedAttrs& attrs) {
  return reinterpret_cast<const NablaAttrs*>(&attrs);
}

bool InRange(int32_t i, int size) { return i >= 0 && i < size; }

NablaDType ToC(DType dtype) {
  return dtype == DType::kFloat64 ? NABLA_DTYPE_FLOAT64 : NABLA_DTYPE_FLOAT32;
}

// --- tensors -------------------------------------------------------------

NablaDType TensorDType(const NablaTensor* t) {
  return t == nullptr ? -1 : ToC(AsTensor(t)->dtype());
}
int32_t TensorRank(const NablaTensor* t) {
  return t == nullptr ? -1 : AsTensor(t)->shape().rank();
}
int64_t TensorDim(const NablaTensor* t, int32_t axis) {
  if (t == nullptr || !InRange(axis, AsTensor(t)->shape().rank())) return -1;
  return AsTensor(t)->shape().dim(axis);
}
int64_t TensorNumElements(const NablaTensor* t) {
  return t == nullptr ? 0 : AsTensor(t)->num_elements();
}
const void* TensorData(const NablaTensor* t) {
  if (t == nullptr || AsTensor(t)->num_elements() == 0) return nullptr;
  return AsTensor(t)->raw_data();
}
void* TensorMutableData(NablaTensor* t) {
  Tensor* tensor = reinterpret_cast<Tensor*>(t);
  if (tensor == nullptr || tensor->num_elements() == 0) return nullptr;
  return tensor->raw_data();
}

// --- shape functions -----------------------------------------------------

int32_t ShapeNumInputs(const NablaShapeContext* c) {
  return AsShape(c)->ctx->num_inputs();
}
int32_t ShapeNumOutputs(const NablaShapeContext* c) {
  return static_cast<int32_t>(AsShape(c)->ctx->output_shapes().size());
}
NablaDType ShapeInputDType(const NablaShapeContext* c, int32_t i) {
  const ShapeContext& ctx = *AsShape(c)->ctx;
  return InRange(i, ctx.num_inputs()) ? ToC(ctx.input_dtype(i)) : -1;
}
int32_t ShapeInputRank(const NablaShapeContext* c, int32_t i) {
  const ShapeContext& ctx = *AsShape(c)->ctx;
  return InRange(i, ctx.num_inputs()) ? ctx.input_shape(i).rank() : -1;
}
int64_t ShapeInputDim(const NablaShapeContext* c, int32_t i, int32_t axis) {
  const ShapeContext& ctx = *AsShape(c)->ctx;
  if (!InRange(i, ctx.num_inputs())) return -1;
  const Shape& shape = ctx.input_shape(i);
  return InRange(axis, shape.rank()) ? shape.dim(axis) : -1;
}
const NablaAttrs* ShapeAttrs(const NablaShapeContext* c) {
  return Handle(AsShape(c)->ctx->attrs());
}

// Why output i cannot be (dtype, dims); empty when it can.
std::string OutputProblem(const ShapeContext& ctx, int32_t i, NablaDType dtype,
                          int32_t rank, const int64_t* dims) {
  const int num_outputs = static_cast<int>(ctx.output_shapes().size());
  if (!InRange(i, num_outputs)) {
    return absl::StrCat("output ", i, " does not exist (the op has ",
                        num_outputs, ")");
  }
  if (dtype != NABLA_DTYPE_FLOAT32 && dtype != NABLA_DTYPE_FLOAT64) {
    return absl::StrCat("output ", i, " has unknown dtype ", dtype);
  }
  if (rank < 0 || (rank > 0 && dims == nullptr)) {
    return absl::StrCat("output ", i, " has rank ", rank,
                        rank < 0 ? "" : " but no dimensions");
  }
  for (int d = 0; d < rank; ++d) {
    if (dims[d] < -1) {
      return absl::StrCat("output ", i, " has dimension ", d, " of ", dims[d]);
    }
  }
  return "";
}

int32_t ShapeSetOutput(NablaShapeContext* c, int32_t i, NablaDType dtype,
                       int32_t rank, const int64_t* dims) {
  ShapeCall& call = *reinterpret_cast<ShapeCall*>(c);
  try {
    const std::string problem = OutputProblem(*call.ctx, i, dtype, rank, dims);
    if (problem.empty()) {
      call.ctx->SetOutput(
          i, dtype == NABLA_DTYPE_FLOAT64 ? DType::kFloat64 : DType::kFloat32,
          Shape(absl::MakeConstSpan(dims, rank)));
      return 0;
    }
    if (call.refused.ok()) {
      call.refused = absl::InvalidArgumentError(absl::StrCat(
          "the shape function set an impossible output: ", problem));
    }
  } catch (const std::exception& e) {
    if (call.refused.ok())
      call.refused = absl::ResourceExhaustedError(e.what());
  }
  return 1;
}

// --- forward and gradient kernels ----------------------------------------

int32_t KernelNumInputs(const NablaKernelContext* c) {
  return AsKernel(c)->ctx->num_inputs();
}
int32_t KernelNumOutputs(const NablaKernelContext* c) {
  return AsKernel(c)->num_outputs;
}
const NablaTensor* KernelInput(const NablaKernelContext* c, int32_t i) {
  const KernelContext& ctx = *AsKernel(c)->ctx;
  return InRange(i, ctx.num_inputs()) ? Handle(&ctx.input(i)) : nullptr;
}
NablaTensor* KernelOutput(const NablaKernelContext* c, int32_t i) {
  const KernelCall& call = *AsKernel(c);
  return InRange(i, call.num_outputs) ? MutableHandle(&call.ctx->output(i))
                                      : nullptr;
}
const NablaAttrs* KernelAttrs(const NablaKernelContext* c) {
  return Handle(AsKernel(c)->ctx->attrs());
}

int32_t GradientNumInputs(const NablaGradientContext* c) {
  return AsGradient(c)->ctx->num_inputs();
}
int32_t GradientNumOutputs(const NablaGradientContext* c) {
  return AsGradient(c)->num_outputs;
}
const NablaTensor* GradientInput(const NablaGradientContext* c, int32_t i) {
  const GradientContext& ctx = *AsGradient(c)->ctx;
  return InRange(i, ctx.num_inputs()) ? Handle(&ctx.input(i)) : nullptr;
}
const NablaTensor* GradientOutput(const NablaGradientContext* c, int32_t i) {
  const GradientCall& call = *AsGradient(c);
  return InRange(i, call.num_outputs) ? Handle(&call.ctx->output(i)) : nullptr;
}
const NablaTensor* GradientOutputGrad(const NablaGradientContext* c,
                                      int32_t i) {
  const GradientCall& call = *AsGradient(c);
  return InRange(i, call.num_outputs) ? Handle(&call.ctx->output_grad(i))
                                      : nullptr;
}
NablaTensor* GradientInputGrad(const NablaGradientContext* c, int32_t i) {
  const GradientContext& ctx = *AsGradient(c)->ctx;
  return InRange(i, ctx.num_inputs()) ? MutableHandle(ctx.input_grad(i))
                                      : nullptr;
}
const NablaAttrs* GradientAttrs(const NablaGradientContext* c) {
  return Handle(AsGradient(c)->ctx->attrs());
}

void ReadRun(const NodeRun& run, int32_t* training, int64_t* step,
             uint64_t* node_seed) {
  if (training != nullptr) *training = run.training() ? 1 : 0;
  if (step != nullptr) *step = run.step();
  if (node_seed != nullptr) *node_seed = run.node_seed();
}
void KernelRun(const NablaKernelContext* c, int32_t* training, int64_t* step,
               uint64_t* node_seed) {
  ReadRun(*AsKernel(c)->ctx, training, step, node_seed);
}
void GradientRun(const NablaGradientContext* c, int32_t* training,
                 int64_t* step, uint64_t* node_seed) {
  ReadRun(*AsGradient(c)->ctx, training, step, node_seed);
}

// --- attributes ----------------------------------------------------------

const AttrValue* FindAttr(const NablaAttrs* attrs, const char* name) {
  if (attrs == nullptr || name == nullptr) return nullptr;
  const auto& values = reinterpret_cast<const ResolvedAttrs*>(attrs)->values();
  for (const auto& [attr_name, value] : values) {
    if (attr_name == name) return &value;
  }
  return nullptr;
}

// NABLA_ATTR_OK when the attribute exists and `matches` its value, which
// then goes to `read`.
template <typename Matches, typename Read>
int32_t GetAttr(const NablaAttrs* attrs, const char* name, Matches matches,
                Read read) {
  const AttrValue* value = FindAttr(attrs, name);
  if (value == nullptr) return NABLA_ATTR_NOT_FOUND;
  if (!matches(*value)) return NABLA_ATTR_WRONG_TYPE;
  read(*value);
  return NABLA_ATTR_OK;
}

bool Is(const AttrValue& value, AttrValue::ValueCase value_case) {
  return value.value_case() == value_case;
}

int32_t AttrInt(const NablaAttrs* attrs, const char* name, int64_t* out) {
  return GetAttr(
      attrs, name, [](const AttrValue& v) { return Is(v, AttrValue::kI); },
      [out](const AttrValue& v) {
        if (out != nullptr) *out = v.i();
      });
}
int32_t AttrFloat(const NablaAttrs* attrs, const char* name, double* out) {
  return GetAttr(
      attrs, name,
      [](const AttrValue& v) {
        return Is(v, AttrValue::kF) || Is(v, AttrValue::kI);
      },
      [out](const AttrValue& v) {
        if (out != nullptr) {
          *out = Is(v, AttrValue::kF) ? v.f() : static_cast<double>(v.i());
        }
      });
}
int32_t AttrBool(const NablaAttrs* attrs, const char* name, int32_t* out) {
  return GetAttr(
      attrs, name, [](const AttrValue& v) { return Is(v, AttrValue::kB); },
      [out](const AttrValue& v) {
        if (out != nullptr) *out = v.b() ? 1 : 0;
      });
}
int32_t AttrString(const NablaAttrs* attrs, const char* name, const char** data,
                   size_t* length) {
  return GetAttr(
      attrs, name, [](const AttrValue& v) { return Is(v, AttrValue::kS); },
      [data, length](const AttrValue& v) {
        if (data != nullptr) *data = v.s().data();
        if (length != nullptr) *length = v.s().size();
      });
}
int32_t AttrIntList(const NablaAttrs* attrs, const char* name,
                    const int64_t** values, size_t* count) {
  return GetAttr(
      attrs, name,
      [](const AttrValue& v) {
        return Is(v, AttrValue::kList) && v.list().f_size() == 0 &&
               v.list().s_size() == 0 && v.list().b_size() == 0;
      },
      [values, count](const AttrValue& v) {
        if (values != nullptr) *values = v.list().i().data();
        if (count != nullptr) *count = v.list().i_size();
      });
}

// --- parallelism and registration ----------------------------------------

void RunParallelFor(int64_t n, int64_t grain, NablaRangeFn fn, void* user) {
  if (fn == nullptr) return;
  ParallelFor(n, grain,
              [fn, user](int64_t begin, int64_t end) { fn(begin, end, user); });
}

int32_t RunAddOp(NablaOpRegistrar* handle, const NablaOpDesc* desc) {
  if (handle == nullptr) return 1;
  Registration& registration = *reinterpret_cast<Registration*>(handle);
  absl::Status added;
  try {
    added = AddOp(registration, desc);
  } catch (const std::exception& e) {
    added = absl::ResourceExhaustedError(e.what());
  }
  if (added.ok()) return 0;
  if (registration.refused.ok()) registration.refused = std::move(added);
  return 1;
}

}  // namespace

[[nodiscard]] absl::Status TakeStatus(NablaStatus* status) {
  if (status == nullptr) return absl::OkStatus();
  absl::Status error = absl::InvalidArgumentError(status->message);
  if (status != &out_of_memory) delete status;
  return error;
}

const NablaHostApi& HostApi() {
  static const NablaHostApi api = {
      sizeof(NablaHostApi),
      NABLA_C_API_VERSION,
      &MakeError,
      &TensorDType,
      &TensorRank,
      &TensorDim,
      &TensorNumElements,
      &TensorData,
      &TensorMutableData,
      &ShapeNumInputs,
      &ShapeNumOutputs,
      &ShapeInputDType,
      &ShapeInputRank,
      &ShapeInputDim,
      &ShapeAttrs,
      &ShapeSetOutput,
      &KernelNumInputs,
      &KernelNumOutputs,
      &KernelInput,
      &KernelOutput,
      &KernelAttrs,
      &GradientNumInputs,
      &GradientNumOutputs,
      &GradientInput,
      &GradientOutput,
      &GradientOutputGrad,
      &GradientInputGrad,
      &GradientAttrs,
      &AttrInt,
      &AttrFloat,
      &AttrBool,
      &AttrString,
      &AttrIntList,
      &RunParallelFor,
      &RunAddOp,
      &KernelRun,
      &GradientRun,
  };
  return api;
}

}  // namespace c_host
}  // namespace nabla
