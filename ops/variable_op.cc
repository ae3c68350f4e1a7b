// Variable: trained state (weights, biases), set once by its initializer
// and then updated by the optimizer.
//
//   value: tensor of `dtype` and `shape` (fully defined).
//   initializer: how the first value is drawn (see kInitializers); the
//   Keras conventions for fan-in and fan-out.
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/initializer_attrs.h"
#include "core/op_registry.h"
#include "core/random.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"

namespace nabla {
namespace {

constexpr const char* kInitializers[] = {
    "zeros",          "ones",          "constant",
    "uniform",        "normal",        "truncated_normal",
    "glorot_uniform", "glorot_normal", "he_uniform",
    "he_normal",      "values"};

bool IsInitializer(absl::string_view name) {
  for (const char* known : kInitializers) {
    if (name == known) return true;
  }
  return false;
}

// The settings each initializer reads; the others have none.
struct InitializerSetting {
  const char* setting;
  const char* initializers[2];
};
constexpr InitializerSetting kSettings[] = {
    {"init_value", {"constant", ""}},
    {"minval", {"uniform", ""}},
    {"maxval", {"uniform", ""}},
    {"mean", {"normal", "truncated_normal"}},
    {"stddev", {"normal", "truncated_normal"}},
    {"values", {"values", ""}}};

// A setting given in the model file that `init` would ignore is an error,
// not a surprise: values without initializer "values" drew random weights.
[[nodiscard]] absl::Status CheckSettingsAreUsed(const ResolvedAttrs& attrs,
                                                const std::string& init) {
  for (const InitializerSetting& s : kSettings) {
    if (!attrs.Given(s.setting)) continue;
    if (init == s.initializers[0] || init == s.initializers[1]) continue;
    const std::string wanted =
        *s.initializers[1] == '\0'
            ? absl::StrCat("initializer: \"", s.initializers[0], "\"")
            : absl::StrCat("initializer: \"", s.initializers[0], "\" or \"",
                           s.initializers[1], "\"");
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute '", s.setting, "' is set, but initializer \"", init, "\"",
        attrs.Given("initializer") ? "" : " (the default)",
        " does not use it: set ", wanted, ", or remove '", s.setting, "'"));
  }
  return absl::OkStatus();
}

[[nodiscard]] absl::Status VariableShape(ShapeContext& ctx) {
  const ResolvedAttrs& attrs = ctx.attrs();
  NABLA_ASSIGN_OR_RETURN(const DType dtype,
                         DTypeFromName(attrs.GetString("dtype")));
  const Shape shape = attrs.GetShape("shape");
  NABLA_RETURN_IF_ERROR(CheckMaxRank(shape, "shape"));
  if (!shape.IsFullyDefined()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "shape ", shape.ToString(),
        " must be fully defined: a variable's size cannot depend on data"));
  }
  const std::string& layout = attrs.GetString("fan_layout");
  if (layout != "in_out" && layout != "out_in") {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'fan_layout' must be \"in_out\" or \"out_in\", got \"",
        layout, "\""));
  }
  const std::string& init = attrs.GetString("initializer");
  if (!IsInitializer(init)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown initializer \"", init,
                     "\"; valid: ", absl::StrJoin(kInitializers, ", ")));
  }
  NABLA_RETURN_IF_ERROR(CheckSettingsAreUsed(attrs, init));
  if (init == "uniform" &&
      !(attrs.GetFloat("minval") < attrs.GetFloat("maxval"))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "uniform initializer needs minval < maxval, got minval ",
        attrs.GetFloat("minval"), ", maxval ", attrs.GetFloat("maxval")));
  }
  if ((init == "normal" || init == "truncated_normal") &&
      !(attrs.GetFloat("stddev") >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(init, " initializer needs stddev >= 0, got ",
                     attrs.GetFloat("stddev")));
  }
  if (init == "values") {
    const TensorProto& values = attrs.GetTensor("values");
    if (values.value_size() == 0) {
      return absl::InvalidArgumentError(
          "initializer \"values\" needs the attribute 'values' (a tensor of "
          "the variable's values)");
    }
    if (values.value_size() != shape.num_elements()) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute 'values' holds ", values.value_size(),
                       " values but shape ", shape.ToString(), " needs ",
                       shape.num_elements()));
    }
    for (double v : values.value()) {
      if (!std::isfinite(v)) {
        return absl::InvalidArgumentError(
            absl::StrCat("attribute 'values' holds a non-finite value ", v));
      }
    }
  }
  ctx.SetOutput(0, dtype, shape);
  return absl::OkStatus();
}

// Which dimensions of a weight tensor are its inputs and outputs, for the
// fans of the glorot and he initializers. "in_out" (Keras, the default):
// the last two are (in, out) and the leading ones the receptive field of a
// convolution kernel. "out_in" (PyTorch, ONNX; Conv2D's OIHW weights): the
// first two are (out, in) and the trailing ones the receptive field. Rank
// 0 and 1 have fan_in = fan_out = the element count.
void FanInOut(const Shape& shape, bool out_in, double* fan_in,
              double* fan_out) {
  const int r = shape.rank();
  if (r == 0) {
    *fan_in = *fan_out = 1;
    return;
  }
  if (r == 1) {
    *fan_in = *fan_out = static_cast<double>(shape.dim(0));
    return;
  }
  const int in_axis = out_in ? 1 : r - 2;
  const int out_axis = out_in ? 0 : r - 1;
  double receptive = 1;
  for (int d = 0; d < r; ++d) {
    if (d != in_axis && d != out_axis) {
      receptive *= static_cast<double>(shape.dim(d));
    }
  }
  *fan_in = static_cast<double>(shape.dim(in_axis)) * receptive;
  *fan_out = static_cast<double>(shape.dim(out_axis)) * receptive;
}

// A normal draw, resampled until it lies within two standard deviations.
double TruncatedNormal(std::mt19937_64& rng, double mean, double stddev) {
  double z;
  do {
    z = StandardNormal(rng);
  } while (std::abs(z) > 2.0);
  return mean + stddev * z;
}

// Draws every element with `draw()` in row-major order.
template <typename Draw>
void Fill(Tensor& value, const Draw& draw) {
  DispatchFloat(value.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* p = value.data<T>();
    for (int64_t i = 0; i < value.num_elements(); ++i) {
      p[i] = static_cast<T>(draw(i));
    }
  });
}

[[nodiscard]] absl::Status VariableInit(const InitContext& ctx) {
  const ResolvedAttrs& attrs = ctx.attrs();
  const std::string& init = attrs.GetString("initializer");
  Tensor& value = ctx.value();
  std::mt19937_64& rng = ctx.rng();
  double fan_in;
  double fan_out;
  FanInOut(value.shape(), attrs.GetString("fan_layout") == "out_in", &fan_in,
           &fan_out);
  // A zero-sized dimension gives fan 0; its tensor is empty, so any finite
  // limit will do.
  auto safe_div = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  if (init == "zeros" || init == "ones" || init == "constant") {
    const double c = init == "zeros"  ? 0.0
                     : init == "ones" ? 1.0
                                      : attrs.GetFloat("init_value");
    Fill(value, [c](int64_t) { return c; });
  } else if (init == "uniform") {
    const double lo = attrs.GetFloat("minval");
    const double hi = attrs.GetFloat("maxval");
    Fill(value, [&](int64_t) { return UniformDouble(rng, lo, hi); });
  } else if (init == "normal") {
    const double mean = attrs.GetFloat("mean");
    const double stddev = attrs.GetFloat("stddev");
    Fill(value, [&](int64_t) { return mean + stddev * StandardNormal(rng); });
  } else if (init == "truncated_normal") {
    const double mean = attrs.GetFloat("mean");
    const double stddev = attrs.GetFloat("stddev");
    Fill(value, [&](int64_t) { return TruncatedNormal(rng, mean, stddev); });
  } else if (init == "glorot_uniform" || init == "he_uniform") {
    const double limit = init == "glorot_uniform"
                             ? std::sqrt(safe_div(6.0, fan_in + fan_out))
                             : std::sqrt(safe_div(6.0, fan_in));
    Fill(value, [&](int64_t) { return UniformDouble(rng, -limit, limit); });
  } else if (init == "glorot_normal" || init == "he_normal") {
    const double stddev = init == "glorot_normal"
                              ? std::sqrt(safe_div(2.0, fan_in + fan_out))
                              : std::sqrt(safe_div(2.0, fan_in));
    Fill(value, [&](int64_t) { return TruncatedNormal(rng, 0.0, stddev); });
  } else if (init == "values") {
    const TensorProto& values = attrs.GetTensor("values");
    if (values.value_size() != value.num_elements()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'values' holds ", values.value_size(), " values but ",
          value.shape().ToString(), " needs ", value.num_elements()));
    }
    Fill(value, [&](int64_t i) { return values.value(static_cast<int>(i)); });
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown initializer \"", init, "\""));
  }
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Variable")
    .Role(OpRole::kVariable)
    .Output("value")
    .Attr("dtype", "float32")
    .RequiredAttr("shape", AttrType::kShape)
    .AttrGroup(InitializerAttrs<OpDef>)
    .Attr("fan_layout", "in_out")
    .Attr("trainable", true)
    .ShapeFn(VariableShape)
    .Initializer(VariableInit)
    .NoGradient()
    .Doc("Trained state; its gradient is the gradient of its output.");

}  // namespace
}  // namespace nabla
