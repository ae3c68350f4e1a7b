// A header-only C++ layer over the C ABI for op plugins (nabla_op_plugin.h).
// A plugin written with it loads into any nabla that supports its C API
// version, whatever compiler and libraries either side was built with: the
// classes here are compiled into the plugin and talk to nabla only through
// the C function table. It includes no nabla C++ header, Abseil, protobuf or
// TBB, and builds with g++/libstdc++ or clang++/libc++ alike.
//
//   #include "core/c_api/nabla_op_plugin.hpp"
//
//   nabla_c::Status CubeForward(const nabla_c::KernelContext& ctx) {
//     const nabla_c::ConstTensor x = ctx.input(0);
//     const nabla_c::Tensor y = ctx.output(0);
//     nabla_c::DispatchFloat(x.dtype(), [&](auto zero) {
//       using T = decltype(zero);
//       const T* px = x.data<T>();
//       T* py = y.data<T>();
//       ctx.ParallelFor(x.num_elements(), nabla_c::GrainFor(3),
//                       [&](int64_t lo, int64_t hi) {
//                         for (int64_t i = lo; i < hi; ++i) {
//                           py[i] = px[i] * px[i] * px[i];
//                         }
//                       });
//     });
//     return nabla_c::Status::Ok();
//   }
//
//   NABLA_C_PLUGIN(registrar) {
//     registrar.Add(nabla_c::OpBuilder("Cube")
//                       .Input("x")
//                       .Output("y")
//                       .Shape(nabla_c::SameShapeAsInput0)
//                       .Forward(CubeForward)
//                       .Gradient(CubeGradient));
//   }
//
// NABLA_C_PLUGIN goes in exactly one source file of the library; it defines
// the entry point nabla_c_plugin_entry(). Build with -fvisibility=hidden:
// the entry point is the library's only export.
//
// Errors: a function returns Status::Error(message). Anything it throws is
// caught at the boundary and becomes an error too ("threw an exception:
// <what()>"): no exception reaches nabla. Misuse of these classes (reading a
// float64 tensor as float, an attribute the op does not declare) throws
// nabla_c::Error, so it fails the call with a message instead of crashing.
//
// Thread-safety: kernels of different nodes run at the same time, and a
// ParallelFor body on several threads at once; the classes are views that
// do not change.
#ifndef NABLA_CORE_C_API_NABLA_OP_PLUGIN_HPP_
#define NABLA_CORE_C_API_NABLA_OP_PLUGIN_HPP_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/c_api/nabla_op_plugin.h"

namespace nabla_c {

enum class DType : int32_t {
  kFloat32 = NABLA_DTYPE_FLOAT32,
  kFloat64 = NABLA_DTYPE_FLOAT64,
};

enum class Category : int32_t {
  kOp = NABLA_OP_CATEGORY_OP,
  kActivation = NABLA_OP_CATEGORY_ACTIVATION,
  kLoss = NABLA_OP_CATEGORY_LOSS,
};

enum class AttrType : int32_t {
  kInt = NABLA_ATTR_INT,
  kFloat = NABLA_ATTR_FLOAT,
  kBool = NABLA_ATTR_BOOL,
  kString = NABLA_ATTR_STRING,
  kIntList = NABLA_ATTR_INT_LIST,
};

// Which forward values the gradient kernel reads besides dL/d(output).
enum class ForwardValues { kInputsAndOutputs, kInputs, kOutputs, kNone };

// Thrown by the classes here on misuse; caught at the boundary.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a shape function or kernel returns.
class [[nodiscard]] Status {
 public:
  static Status Ok() { return Status(); }
  static Status Error(std::string message) {
    Status status;
    status.failed_ = true;
    status.message_ = std::move(message);
    return status;
  }
  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }

 private:
  bool failed_ = false;
  std::string message_;
};

// Calls fn(T{}) with T = float or double, as `dtype` says.
template <typename Fn>
decltype(auto) DispatchFloat(DType dtype, Fn&& fn) {
  if (dtype == DType::kFloat64) return fn(double{});
  return fn(float{});
}

// A ParallelFor grain that gives each chunk about 32768 units of work when
// an element costs `work_per_element` (the host's own rule).
inline int64_t GrainFor(int64_t work_per_element) {
  return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, work_per_element));
}

namespace internal {

template <typename T>
constexpr DType DTypeOf() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "tensors hold float or double");
  return std::is_same_v<T, double> ? DType::kFloat64 : DType::kFloat32;
}

inline const char* DTypeName(DType dtype) {
  return dtype == DType::kFloat64 ? "float64" : "float32";
}

// Runs fn over [0, n) through the host's parallel_for. An exception in a
// chunk is kept (the first one) and rethrown here, on the calling thread,
// after every chunk has returned: none may unwind through the host.
template <typename Fn>
struct ParallelJob {
  const Fn* fn;
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::string error;

  static void Chunk(int64_t begin, int64_t end, void* user) {
    auto* job = static_cast<ParallelJob*>(user);
    if (job->failed.load(std::memory_order_relaxed)) return;
    try {
      (*job->fn)(begin, end);
    } catch (const std::exception& e) {
      job->Fail(e.what());
    } catch (...) {
      job->Fail("an exception that is not a std::exception");
    }
  }

  void Fail(const char* what) noexcept {
    std::lock_guard<std::mutex> lock(mu);
    if (failed.exchange(true)) return;
    try {
      error = what;
    } catch (...) {
    }
  }
};

template <typename Fn>
void ParallelFor(const NablaHostApi* host, int64_t n, int64_t grain,
                 const Fn& fn) {
  ParallelJob<Fn> job;
  job.fn = &fn;
  host->parallel_for(n, grain, &ParallelJob<Fn>::Chunk, &job);
  if (job.failed.load()) throw Error(job.error);
}

}  // namespace internal

// A read-only view of a tensor: dense, row-major. A view of no tensor (an
// input gradient nobody needs) is false.
class ConstTensor {
 public:
  ConstTensor(const NablaHostApi* host, const NablaTensor* handle)
      : host_(host), handle_(handle) {}

  explicit operator bool() const { return handle_ != nullptr; }
  DType dtype() const {
    return static_cast<DType>(host_->tensor_dtype(handle_));
  }
  int rank() const { return host_->tensor_rank(handle_); }
  int64_t dim(int axis) const { return host_->tensor_dim(handle_, axis); }
  int64_t num_elements() const { return host_->tensor_num_elements(handle_); }

  // The elements. Throws Error when T is not the tensor's element type.
  template <typename T>
  const T* data() const {
    CheckType<T>();
    return static_cast<const T*>(host_->tensor_data(handle_));
  }

 protected:
  template <typename T>
  void CheckType() const {
    if (handle_ == nullptr) throw Error("the tensor is absent");
    if (dtype() != internal::DTypeOf<T>()) {
      throw Error(std::string("the tensor is ") + internal::DTypeName(dtype()) +
                  ", read as " + internal::DTypeName(internal::DTypeOf<T>()));
    }
  }

  const NablaHostApi* host_;
  const NablaTensor* handle_;
};

// A view of a tensor the kernel writes.
class Tensor : public ConstTensor {
 public:
  Tensor(const NablaHostApi* host, NablaTensor* handle)
      : ConstTensor(host, handle), mutable_handle_(handle) {}

  template <typename T>
  T* data() const {
    CheckType<T>();
    return static_cast<T*>(host_->tensor_mutable_data(mutable_handle_));
  }

 private:
  NablaTensor* mutable_handle_;
};

// A view of an int-list attribute.
class IntList {
 public:
  IntList(const int64_t* values, size_t size) : values_(values), size_(size) {}
  size_t size() const { return size_; }
  int64_t operator[](size_t i) const { return values_[i]; }
  const int64_t* begin() const { return values_; }
  const int64_t* end() const { return values_ + size_; }

 private:
  const int64_t* values_;
  size_t size_;
};

// The node's attributes: every one the op declares, defaults filled in.
// The getters throw Error for a name the op does not declare or a type it
// does not have; they do not allocate.
class Attrs {
 public:
  Attrs(const NablaHostApi* host, const NablaAttrs* handle)
      : host_(host), handle_(handle) {}

  int64_t GetInt(const char* name) const {
    int64_t value = 0;
    Check(host_->attr_int(handle_, name, &value), name, "an int");
    return value;
  }
  double GetFloat(const char* name) const {
    double value = 0;
    Check(host_->attr_float(handle_, name, &value), name, "a float");
    return value;
  }
  bool GetBool(const char* name) const {
    int32_t value = 0;
    Check(host_->attr_bool(handle_, name, &value), name, "a bool");
    return value != 0;
  }
  std::string_view GetString(const char* name) const {
    const char* data = nullptr;
    size_t length = 0;
    Check(host_->attr_string(handle_, name, &data, &length), name, "a string");
    return std::string_view(data, length);
  }
  IntList GetIntList(const char* name) const {
    const int64_t* values = nullptr;
    size_t count = 0;
    Check(host_->attr_int_list(handle_, name, &values, &count), name,
          "a list of ints");
    return IntList(values, count);
  }

 private:
  static void Check(int32_t result, const char* name, const char* type) {
    if (result == NABLA_ATTR_OK) return;
    throw Error(std::string("attribute '") + name + "' " +
                (result == NABLA_ATTR_NOT_FOUND
                     ? "is not declared by the op"
                     : std::string("is not ") + type));
  }

  const NablaHostApi* host_;
  const NablaAttrs* handle_;
};

// What a shape function sees: input dtypes and shapes (a dimension of -1 is
// unknown) and attributes; it sets every output.
class ShapeContext {
 public:
  ShapeContext(const NablaHostApi* host, NablaShapeContext* handle)
      : host_(host), handle_(handle) {}

  int num_inputs() const { return host_->shape_num_inputs(handle_); }
  int num_outputs() const { return host_->shape_num_outputs(handle_); }
  DType input_dtype(int i) const {
    return static_cast<DType>(host_->shape_input_dtype(handle_, i));
  }
  int input_rank(int i) const { return host_->shape_input_rank(handle_, i); }
  int64_t input_dim(int i, int axis) const {
    return host_->shape_input_dim(handle_, i, axis);
  }
  std::vector<int64_t> input_shape(int i) const {
    std::vector<int64_t> dims(std::max(0, input_rank(i)));
    for (size_t d = 0; d < dims.size(); ++d) {
      dims[d] = input_dim(i, static_cast<int>(d));
    }
    return dims;
  }
  Attrs attrs() const { return Attrs(host_, host_->shape_attrs(handle_)); }

  // Output i gets `dtype` and `dims`. When the host refuses them, the shape
  // function fails with the host's message whatever it returns.
  void SetOutput(int i, DType dtype, const std::vector<int64_t>& dims) {
    host_->shape_set_output(handle_, i, static_cast<NablaDType>(dtype),
                            static_cast<int32_t>(dims.size()), dims.data());
  }

 private:
  const NablaHostApi* host_;
  NablaShapeContext* handle_;
};

// A shape function for ops whose output 0 has the dtype and shape of
// input 0 (elementwise activations).
inline Status SameShapeAsInput0(ShapeContext& ctx) {
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return Status::Ok();
}

// The run a kernel runs in (NablaHostApi::kernel_run): training or
// inference, the training steps before this one, and the node's seed. A
// host without kernel_run reads as inference at step 0 with seed 0.
struct RunInfo {
  bool training = false;
  int64_t step = 0;
  uint64_t node_seed = 0;
};

namespace internal {
// The run through the host's kernel_run or gradient_run.
template <typename Handle>
RunInfo ReadRun(void (*read)(const Handle*, int32_t*, int64_t*, uint64_t*),
                const Handle* handle) {
  RunInfo info;
  int32_t training = 0;
  read(handle, &training, &info.step, &info.node_seed);
  info.training = training != 0;
  return info;
}
}  // namespace internal

// What a forward kernel sees: inputs, outputs to write in full, attributes.
class KernelContext {
 public:
  KernelContext(const NablaHostApi* host, const NablaKernelContext* handle)
      : host_(host), handle_(handle) {}

  int num_inputs() const { return host_->kernel_num_inputs(handle_); }
  int num_outputs() const { return host_->kernel_num_outputs(handle_); }
  ConstTensor input(int i) const {
    return ConstTensor(host_, host_->kernel_input(handle_, i));
  }
  Tensor output(int i) const {
    return Tensor(host_, host_->kernel_output(handle_, i));
  }
  Attrs attrs() const { return Attrs(host_, host_->kernel_attrs(handle_)); }
  RunInfo run() const {
    return NABLA_HOST_HAS(host_, kernel_run)
               ? internal::ReadRun(host_->kernel_run, handle_)
               : RunInfo();
  }

  // fn(begin, end) over chunks of [0, n) of `grain` elements, on the host's
  // threads. The cut depends only on n and grain. An exception thrown by fn
  // is rethrown here once every chunk has returned.
  template <typename Fn>
  void ParallelFor(int64_t n, int64_t grain, const Fn& fn) const {
    internal::ParallelFor(host_, n, grain, fn);
  }

 private:
  const NablaHostApi* host_;
  const NablaKernelContext* handle_;
};

// What a gradient kernel sees: forward inputs and outputs, dL/d(output),
// and dL/d(input i) to write in full where input_grad(i) is true.
class GradientContext {
 public:
  GradientContext(const NablaHostApi* host, const NablaGradientContext* handle)
      : host_(host), handle_(handle) {}

  int num_inputs() const { return host_->gradient_num_inputs(handle_); }
  int num_outputs() const { return host_->gradient_num_outputs(handle_); }
  ConstTensor input(int i) const {
    return ConstTensor(host_, host_->gradient_input(handle_, i));
  }
  ConstTensor output(int i) const {
    return ConstTensor(host_, host_->gradient_output(handle_, i));
  }
  ConstTensor output_grad(int i) const {
    return ConstTensor(host_, host_->gradient_output_grad(handle_, i));
  }
  // False when nobody needs the gradient of input i.
  Tensor input_grad(int i) const {
    return Tensor(host_, host_->gradient_input_grad(handle_, i));
  }
  Attrs attrs() const { return Attrs(host_, host_->gradient_attrs(handle_)); }
  RunInfo run() const {
    return NABLA_HOST_HAS(host_, gradient_run)
               ? internal::ReadRun(host_->gradient_run, handle_)
               : RunInfo();
  }

  template <typename Fn>
  void ParallelFor(int64_t n, int64_t grain, const Fn& fn) const {
    internal::ParallelFor(host_, n, grain, fn);
  }

 private:
  const NablaHostApi* host_;
  const NablaGradientContext* handle_;
};

using ShapeFn = std::function<Status(ShapeContext&)>;
using ForwardFn = std::function<Status(const KernelContext&)>;
using GradientFn = std::function<Status(const GradientContext&)>;

// Declares an op, as nabla's own OpDef does:
//
//   OpBuilder("SoftClip").Input("x").Output("y").Attr("limit", 1.0)
//       .Category(Category::kActivation)
//       .Shape(SoftClipShape).Forward(SoftClipForward)
//       .Gradient(SoftClipGradient).Doc("...")
//
// An op without Gradient() cannot be trained through.
class OpBuilder {
 public:
  explicit OpBuilder(std::string name) : name_(std::move(name)) {}

  OpBuilder& Input(std::string name) { return AddInput(std::move(name), 0); }
  OpBuilder& NonDifferentiableInput(std::string name) {
    return AddInput(std::move(name), NABLA_INPUT_NO_GRADIENT);
  }
  OpBuilder& Output(std::string name) {
    outputs_.push_back(std::move(name));
    return *this;
  }
  OpBuilder& Attr(std::string name, int64_t default_value) {
    AttrSpec& attr = AddAttr(std::move(name), AttrType::kInt);
    attr.int_value = default_value;
    return *this;
  }
  OpBuilder& Attr(std::string name, int default_value) {
    return Attr(std::move(name), static_cast<int64_t>(default_value));
  }
  OpBuilder& Attr(std::string name, double default_value) {
    AddAttr(std::move(name), AttrType::kFloat).float_value = default_value;
    return *this;
  }
  OpBuilder& Attr(std::string name, bool default_value) {
    AddAttr(std::move(name), AttrType::kBool).int_value = default_value;
    return *this;
  }
  OpBuilder& Attr(std::string name, const char* default_value) {
    AddAttr(std::move(name), AttrType::kString).string_value = default_value;
    return *this;
  }
  OpBuilder& IntListAttr(std::string name, std::vector<int64_t> default_value) {
    AddAttr(std::move(name), AttrType::kIntList).int_list =
        std::move(default_value);
    return *this;
  }
  OpBuilder& RequiredAttr(std::string name, AttrType type) {
    AddAttr(std::move(name), type).required = true;
    return *this;
  }
  OpBuilder& Category(nabla_c::Category category) {
    category_ = category;
    return *this;
  }
  OpBuilder& Doc(std::string text) {
    doc_ = std::move(text);
    return *this;
  }
  // Planner hints (see NABLA_OP_* in nabla_op_plugin.h).
  OpBuilder& InPlace() {
    flags_ |= NABLA_OP_IN_PLACE;
    return *this;
  }
  OpBuilder& GradientInPlace() {
    flags_ |= NABLA_OP_GRADIENT_IN_PLACE;
    return *this;
  }
  OpBuilder& GradientReads(ForwardValues reads) {
    flags_ &=
        ~(NABLA_OP_GRADIENT_SKIPS_INPUTS | NABLA_OP_GRADIENT_SKIPS_OUTPUTS);
    if (reads == ForwardValues::kOutputs || reads == ForwardValues::kNone) {
      flags_ |= NABLA_OP_GRADIENT_SKIPS_INPUTS;
    }
    if (reads == ForwardValues::kInputs || reads == ForwardValues::kNone) {
      flags_ |= NABLA_OP_GRADIENT_SKIPS_OUTPUTS;
    }
    return *this;
  }
  OpBuilder& Shape(ShapeFn fn) {
    shape_ = std::move(fn);
    return *this;
  }
  OpBuilder& Forward(ForwardFn fn) {
    forward_ = std::move(fn);
    return *this;
  }
  OpBuilder& Gradient(GradientFn fn) {
    gradient_ = std::move(fn);
    return *this;
  }

 private:
  friend class Registrar;

  struct AttrSpec {
    std::string name;
    AttrType type = AttrType::kInt;
    bool required = false;
    int64_t int_value = 0;
    double float_value = 0;
    std::string string_value;
    std::vector<int64_t> int_list;
  };

  OpBuilder& AddInput(std::string name, uint32_t flags) {
    inputs_.push_back(std::move(name));
    input_flags_.push_back(flags);
    return *this;
  }
  AttrSpec& AddAttr(std::string name, AttrType type) {
    AttrSpec spec;
    spec.name = std::move(name);
    spec.type = type;
    attrs_.push_back(std::move(spec));
    return attrs_.back();
  }

  std::string name_;
  std::vector<std::string> inputs_;
  std::vector<uint32_t> input_flags_;
  std::vector<std::string> outputs_;
  std::vector<AttrSpec> attrs_;
  nabla_c::Category category_ = nabla_c::Category::kOp;
  std::string doc_;
  uint32_t flags_ = 0;
  ShapeFn shape_;
  ForwardFn forward_;
  GradientFn gradient_;
};

namespace internal {

// The functions of one registered op, reached from the C callbacks through
// NablaOpDesc::user_data.
struct OpFunctions {
  const NablaHostApi* host;
  ShapeFn shape;
  ForwardFn forward;
  GradientFn gradient;
};

// The library's OpFunctions: NABLA_C_PLUGIN keeps one, so that each plugin
// library has its own and frees it when it is unloaded.
using OpStore = std::vector<std::unique_ptr<OpFunctions>>;

inline NablaStatus* ErrorFromException(const NablaHostApi* host,
                                       const char* what) noexcept {
  try {
    return host->make_error(
        (std::string("threw an exception: ") + what).c_str());
  } catch (...) {
    return host->make_error(what);
  }
}

// Runs fn (which returns a Status) and hands the host its result as C:
// nothing thrown gets past here.
template <typename Fn>
NablaStatus* Guard(const NablaHostApi* host, const Fn& fn) noexcept {
  try {
    const Status status = fn();
    return status.ok() ? nullptr : host->make_error(status.message().c_str());
  } catch (const std::exception& e) {
    return ErrorFromException(host, e.what());
  } catch (...) {
    return ErrorFromException(host, "not a std::exception");
  }
}

inline NablaStatus* CallShape(NablaShapeContext* ctx, void* user) {
  auto* op = static_cast<OpFunctions*>(user);
  return Guard(op->host, [&] {
    ShapeContext context(op->host, ctx);
    return op->shape(context);
  });
}

inline NablaStatus* CallForward(const NablaKernelContext* ctx, void* user) {
  auto* op = static_cast<OpFunctions*>(user);
  return Guard(op->host,
               [&] { return op->forward(KernelContext(op->host, ctx)); });
}

inline NablaStatus* CallGradient(const NablaGradientContext* ctx, void* user) {
  auto* op = static_cast<OpFunctions*>(user);
  return Guard(op->host,
               [&] { return op->gradient(GradientContext(op->host, ctx)); });
}

}  // namespace internal

// Hands ops to the host; NABLA_C_PLUGIN's body gets one.
class Registrar {
 public:
  Registrar(const NablaHostApi* host, NablaOpRegistrar* handle,
            internal::OpStore* store)
      : host_(host), handle_(handle), store_(store) {}

  // The host's function table, e.g. for its version.
  const NablaHostApi* host() const { return host_; }

  // Declares `op`. False when the host refuses it: then it refuses the
  // whole plugin, with a message that says why.
  bool Add(OpBuilder op) {
    std::vector<NablaInputDesc> inputs;
    for (size_t i = 0; i < op.inputs_.size(); ++i) {
      inputs.push_back({op.inputs_[i].c_str(), op.input_flags_[i]});
    }
    std::vector<const char*> outputs;
    for (const std::string& name : op.outputs_) outputs.push_back(name.c_str());
    std::vector<NablaAttrDesc> attrs;
    for (const OpBuilder::AttrSpec& spec : op.attrs_)
      attrs.push_back(ToC(spec));

    auto functions = std::make_unique<internal::OpFunctions>(
        internal::OpFunctions{host_, std::move(op.shape_),
                              std::move(op.forward_), std::move(op.gradient_)});
    NablaOpDesc desc = {};
    desc.size = sizeof(NablaOpDesc);
    desc.flags = op.flags_;
    desc.name = op.name_.c_str();
    desc.doc = op.doc_.empty() ? nullptr : op.doc_.c_str();
    desc.category = static_cast<int32_t>(op.category_);
    desc.num_inputs = static_cast<int32_t>(inputs.size());
    desc.inputs = inputs.data();
    desc.num_outputs = static_cast<int32_t>(outputs.size());
    desc.outputs = outputs.data();
    desc.num_attrs = static_cast<int32_t>(attrs.size());
    desc.attrs = attrs.data();
    desc.shape = functions->shape ? &internal::CallShape : nullptr;
    desc.forward = functions->forward ? &internal::CallForward : nullptr;
    desc.gradient = functions->gradient ? &internal::CallGradient : nullptr;
    desc.user_data = functions.get();
    store_->push_back(std::move(functions));
    return host_->add_op(handle_, &desc) == 0;
  }

 private:
  static NablaAttrDesc ToC(const OpBuilder::AttrSpec& spec) {
    NablaAttrDesc attr = {};
    attr.name = spec.name.c_str();
    attr.type = static_cast<int32_t>(spec.type);
    attr.required = spec.required ? 1 : 0;
    attr.int_value = spec.int_value;
    attr.float_value = spec.float_value;
    attr.string_value = spec.string_value.c_str();
    attr.int_list = spec.int_list.data();
    attr.int_list_size = spec.int_list.size();
    return attr;
  }

  const NablaHostApi* host_;
  NablaOpRegistrar* handle_;
  internal::OpStore* store_;
};

namespace internal {

// register_ops of NABLA_C_PLUGIN: checks that the host has every function
// of version 1, then runs the plugin's body with everything it throws
// caught.
inline NablaStatus* RunRegistration(const NablaHostApi* host,
                                    NablaOpRegistrar* handle, OpStore* store,
                                    void (*body)(Registrar&)) noexcept {
  // Every host has make_error; without it there is no way to say more.
  if (host == nullptr || !NABLA_HOST_HAS(host, make_error)) return nullptr;
  if (!NABLA_HOST_HAS(host, add_op)) {
    return host->make_error(
        "the host's function table is smaller than C API version 1's");
  }
  return Guard(host, [&] {
    store->clear();  // from an earlier load that was refused
    Registrar registrar(host, handle, store);
    body(registrar);
    return Status::Ok();
  });
}

}  // namespace internal
}  // namespace nabla_c

// Defines the plugin's entry point and opens the body that declares its ops:
//
//   NABLA_C_PLUGIN(registrar) { registrar.Add(nabla_c::OpBuilder(...)...); }
#define NABLA_C_PLUGIN(registrar)                                         \
  static void NablaCPluginRegister(::nabla_c::Registrar& registrar);      \
  static NablaStatus* NablaCPluginRegisterOps(const NablaHostApi* host,   \
                                              NablaOpRegistrar* handle) { \
    static ::nabla_c::internal::OpStore store;                            \
    return ::nabla_c::internal::RunRegistration(host, handle, &store,     \
                                                &NablaCPluginRegister);   \
  }                                                                       \
  extern "C" NABLA_C_EXPORT const NablaCPluginInfo* nabla_c_plugin_entry( \
      void) {                                                             \
    static const NablaCPluginInfo info = {sizeof(NablaCPluginInfo),       \
                                          NABLA_C_API_VERSION,            \
                                          &NablaCPluginRegisterOps};      \
    return &info;                                                         \
  }                                                                       \
  static void NablaCPluginRegister(::nabla_c::Registrar& registrar)

#endif  // NABLA_CORE_C_API_NABLA_OP_PLUGIN_HPP_
