// The attributes that choose a Variable's initial value. The Variable op
// and the layers that create Variables (Dense) declare the same ones:
//
//   NABLA_REGISTER_OP("Variable")
//       .AttrGroup(InitializerAttrs<OpDef>)
//       ...
#ifndef NABLA_CORE_INITIALIZER_ATTRS_H_
#define NABLA_CORE_INITIALIZER_ATTRS_H_

#include "core/attrs.h"

namespace nabla {

template <typename Def>
void InitializerAttrs(Def& def) {
  AttrValue no_values;
  no_values.mutable_tensor();
  def.Attr("initializer", "glorot_uniform")
      .Attr("init_value", 0.0)
      .Attr("minval", -0.05)
      .Attr("maxval", 0.05)
      .Attr("mean", 0.0)
      .Attr("stddev", 0.05)
      .Attr("values", no_values, AttrType::kTensor);
}

}  // namespace nabla

#endif  // NABLA_CORE_INITIALIZER_ATTRS_H_
