// AttrDeclarer<Def>: the attribute-declaring part of a definition's builder,
// shared by ops, optimizers, schedules and data sources:
//
//   OptimizerDef("Adam").Attr("beta1", 0.9).Attr("amsgrad", false)
//
// The type of an attribute follows its default; RequiredAttr() declares one
// without a default that every use must set.
#ifndef NABLA_CORE_ATTR_DECLARER_H_
#define NABLA_CORE_ATTR_DECLARER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/attrs.h"

namespace nabla {

template <typename Def>
class AttrDeclarer {
 public:
  Def& Attr(std::string name, AttrValue default_value, AttrType type) {
    return Declare(std::move(name), type, std::move(default_value));
  }
  Def& Attr(std::string name, bool default_value) {
    return Declare(std::move(name), AttrType::kBool, MakeAttr(default_value));
  }
  Def& Attr(std::string name, int64_t default_value) {
    return Declare(std::move(name), AttrType::kInt, MakeAttr(default_value));
  }
  Def& Attr(std::string name, int default_value) {
    return Declare(std::move(name), AttrType::kInt, MakeAttr(default_value));
  }
  Def& Attr(std::string name, double default_value) {
    return Declare(std::move(name), AttrType::kFloat, MakeAttr(default_value));
  }
  Def& Attr(std::string name, const char* default_value) {
    return Declare(std::move(name), AttrType::kString, MakeAttr(default_value));
  }
  Def& IntListAttr(std::string name, std::vector<int64_t> default_value) {
    return Declare(std::move(name), AttrType::kIntList,
                   MakeIntListAttr(default_value));
  }
  // Empty by default: a list of floats is optional settings (class
  // weights) more often than not.
  Def& FloatListAttr(std::string name) {
    AttrValue value;
    value.mutable_list();
    return Declare(std::move(name), AttrType::kFloatList, std::move(value));
  }
  Def& StringListAttr(std::string name,
                      const std::vector<std::string>& default_value) {
    AttrValue value;
    value.mutable_list();
    for (const std::string& s : default_value) value.mutable_list()->add_s(s);
    return Declare(std::move(name), AttrType::kStringList, std::move(value));
  }
  Def& RequiredAttr(std::string name, AttrType type) {
    return Declare(std::move(name), type, std::nullopt);
  }
  // Declares a group of attributes shared by several definitions, e.g.
  // .AttrGroup(InitializerAttrs<OpDef>) (core/initializer_attrs.h).
  Def& AttrGroup(void (*declare)(Def&)) {
    declare(static_cast<Def&>(*this));
    return static_cast<Def&>(*this);
  }

  const std::vector<AttrDef>& attrs() const { return attrs_; }

  // The first attribute declared twice, or null.
  const AttrDef* FindDuplicateAttr() const {
    for (size_t i = 0; i < attrs_.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (attrs_[i].name == attrs_[j].name) return &attrs_[i];
      }
    }
    return nullptr;
  }

 private:
  Def& Declare(std::string name, AttrType type,
               std::optional<AttrValue> default_value) {
    attrs_.push_back({std::move(name), type, std::move(default_value)});
    return static_cast<Def&>(*this);
  }

  std::vector<AttrDef> attrs_;
};

}  // namespace nabla

#endif  // NABLA_CORE_ATTR_DECLARER_H_
