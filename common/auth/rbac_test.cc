#include "common/auth/rbac.h"

#include "gtest/gtest.h"

namespace opsuite::auth {
namespace {

// 公司 (boss) -> 销售部 (wang) -> 一组 (no manager); 运营部 (li)
OrgTree Tree() {
  OrgTree t;
  t.depts["root"] = {"root", "", "boss", "/root/"};
  t.depts["sales"] = {"sales", "root", "wang", "/root/sales/"};
  t.depts["team"] = {"team", "sales", "", "/root/sales/team/"};
  t.depts["ops"] = {"ops", "root", "li", "/root/ops/"};
  return t;
}

Principal As(std::string sub, std::vector<Role> roles = {Role::kEmployee}) {
  return Principal{std::move(sub), "acme", std::move(roles)};
}

TEST(RbacTest, RelationsFollowTheTree) {
  OrgTree t = Tree();
  EmployeeRef zhang{"zhang", "team", "zhao"};
  EXPECT_EQ(RelationTo(As("zhang"), t, zhang), Relation::kSelf);
  EXPECT_EQ(RelationTo(As("zhao"), t, zhang), Relation::kManager);  // direct manager
  EXPECT_EQ(RelationTo(As("wang"), t, zhang), Relation::kManager);  // manages the parent
  EXPECT_EQ(RelationTo(As("boss"), t, zhang), Relation::kManager);  // manages the root
  EXPECT_EQ(RelationTo(As("li"), t, zhang), Relation::kNone);       // another branch
  EXPECT_EQ(RelationTo(As("x", {Role::kAdmin}), t, zhang), Relation::kOrg);
  EXPECT_EQ(RelationTo(As("svc", {Role::kService}), t, zhang), Relation::kOrg);
  // The "manager" role claim alone grants nothing: the tree decides.
  EXPECT_EQ(RelationTo(As("li", {Role::kManager}), t, zhang), Relation::kNone);
  // An empty subject never matches an empty manager.
  EXPECT_EQ(RelationTo(As(""), t, EmployeeRef{"x", "team", ""}), Relation::kNone);
}

TEST(RbacTest, ACycleInACorruptTreeTerminates) {
  OrgTree t;
  t.depts["a"] = {"a", "b", "", "/a/"};
  t.depts["b"] = {"b", "a", "", "/b/"};
  EXPECT_FALSE(t.Manages("someone", "a"));
}

}  // namespace
}  // namespace opsuite::auth
