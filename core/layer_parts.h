// What the built-in layers (Dense, Conv2DLayer) are made of: the checks of
// their `activation` and `dtype` attributes, and their weight and bias
// variables.
#ifndef NABLA_CORE_LAYER_PARTS_H_
#define NABLA_CORE_LAYER_PARTS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/composite.h"
#include "core/tensor.h"
#include "proto/graph.pb.h"

namespace nabla {

// The op that `activation` names, or "" for none ("" or "linear"); an
// error when it is not a registered activation of one input. `layer` names
// the layer in that error ("Dense").
[[nodiscard]] absl::StatusOr<std::string> LayerActivationOp(
    const std::string& activation, absl::string_view layer);

// OK when the layer's `dtype` attribute is input 0's dtype.
[[nodiscard]] absl::Status CheckLayerDType(const ExpandContext& ctx);

// The variable `<layer>/weights` of `shape`, with the layer's `dtype`,
// `initializer` and the initializer settings the model file sets.
NodeDef LayerWeights(const ExpandContext& ctx, const Shape& shape);

// The variable `<layer>/<part>` [units] of the layer's `dtype`, set by
// `initializer` ("zeros", "ones"); state (trainable: false) when not
// `trainable`.
NodeDef LayerVector(const ExpandContext& ctx, absl::string_view part,
                    int64_t units, absl::string_view initializer,
                    bool trainable = true);

// The variable `<layer>/bias` [units] of the layer's `dtype`, set by its
// `bias_initializer` (and `bias_init_value` when given).
NodeDef LayerBias(const ExpandContext& ctx, int64_t units);

// The layer's activation node `<layer>/activation`: op `op` of `input`,
// with the settings the layer's activation_* attributes give (alpha,
// beta, approximate, axis). A setting the activation does not have is
// refused when its node is resolved, naming the layer.
NodeDef LayerActivation(const ExpandContext& ctx, const std::string& op,
                        const std::string& input);

// The attributes of a layer with an activation.
template <typename Def>
void ActivationAttrs(Def& def) {
  def.Attr("activation", "")
      .Attr("activation_alpha", 0.0)
      .Attr("activation_beta", 0.0)
      .Attr("activation_approximate", "")
      .Attr("activation_axis", -1);
}

// A layer's bias settings.
template <typename Def>
void BiasAttrs(Def& def) {
  def.Attr("use_bias", true)
      .Attr("bias_initializer", "zeros")
      .Attr("bias_init_value", 0.0);
}

}  // namespace nabla

#endif  // NABLA_CORE_LAYER_PARTS_H_
