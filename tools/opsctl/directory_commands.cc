// opsctl dept ... / emp ...: opsuite.planning.v1.DirectoryService.
#include <iostream>

#include "opsuite/planning/v1/directory.grpc.pb.h"
#include "tools/opsctl/cli.h"

namespace opsuite::opsctl {
namespace {

using ::opsuite::planning::v1::BatchGetEmployeesRequest;
using ::opsuite::planning::v1::BatchGetEmployeesResponse;
using ::opsuite::planning::v1::CreateDepartmentRequest;
using ::opsuite::planning::v1::CreateEmployeeRequest;
using ::opsuite::planning::v1::DirectoryService;
using ::opsuite::planning::v1::Employee;
using ::opsuite::planning::v1::GetDepartmentRequest;
using ::opsuite::planning::v1::GetEmployeeRequest;
using ::opsuite::planning::v1::ListDepartmentsRequest;
using ::opsuite::planning::v1::ListDepartmentsResponse;
using ::opsuite::planning::v1::ListEmployeesRequest;
using ::opsuite::planning::v1::ListEmployeesResponse;
using ::opsuite::planning::v1::UpdateEmployeeRequest;
using Stub = DirectoryService::Stub;

const std::vector<FieldOption>& DepartmentFields() {
  static const auto* fields = new std::vector<FieldOption>{
      {"name", "name", "TEXT", "department name (at most 200 characters)", true},
      {"parent", "parent_id", "ID", "parent department; none for a top-level one"},
      {"manager", "manager_id", "ID", "the employee who manages it"},
  };
  return *fields;
}

const std::vector<FieldOption>& EmployeeFields() {
  static const auto* fields = new std::vector<FieldOption>{
      {"name", "name", "TEXT", "full name", true},
      {"dept", "department_id", "ID", "department", true},
      {"role-class", "role_class", "CLASS",
       "STAFF | RESEARCHER | MIDDLE_MANAGER | SALES | SENIOR_MANAGER"},
      {"manager", "manager_id", "ID", "direct manager"},
      {"email", "email", "ADDR", "e-mail address"},
      {"locale", "locale", "LOCALE", "zh-CN (default) or en"},
      {"tz", "timezone", "TZ", "IANA time zone (default Asia/Shanghai)"},
  };
  return *fields;
}

void PrintDepartments(const ListDepartmentsResponse& response) {
  Table table({"ID", "NAME", "PARENT", "MANAGER"});
  for (const auto& d : response.departments()) {
    table.AddRow({d.id(), d.name(), d.parent_id(), d.manager_id()});
  }
  std::cout << table.Render();
  PrintNextPage(response.next_page_token());
}

template <typename Employees>
void PrintEmployeeTable(const Employees& employees) {
  Table table({"ID", "NAME", "DEPARTMENT", "ROLE CLASS", "MANAGER", "EMAIL"});
  for (const Employee& e : employees) {
    table.AddRow({e.id(), e.name(), e.department_id(),
                  ShortEnumName(planning::v1::RoleClass_descriptor(), e.role_class()),
                  e.manager_id(), e.email()});
  }
  std::cout << table.Render();
}

}  // namespace

void AddDirectoryCommands(std::vector<Command>* commands) {
  commands->push_back({
      .path = {"dept", "create"},
      .summary = "Create a department",
      .options = Join(FieldOptionSpecs(DepartmentFields(), true),
                      std::vector<OptionSpec>{RequestIdOption()}),
      .run = [](const Args& args, Client& client) -> RunResult {
        CreateDepartmentRequest request;
        absl::Status s = ApplyFieldOptions(args, DepartmentFields(), request.mutable_department());
        if (!s.ok()) return s;
        request.set_request_id(args.GetOr("request-id", ""));
        return client.Call(&Stub::CreateDepartment, request);
      },
      .details = "Example: opsctl dept create --name=销售部 --parent=DEPT_ID",
  });
  commands->push_back({
      .path = {"dept", "get"},
      .positional_usage = "ID",
      .summary = "Show a department",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = [](const Args& args, Client& client) -> RunResult {
        GetDepartmentRequest request;
        request.set_id(args.positionals()[0]);
        return client.Call(&Stub::GetDepartment, request);
      },
  });
  commands->push_back({
      .path = {"dept", "list"},
      .summary = "List departments",
      .options =
          Join({{"parent", "ID", "only the direct children of this department"}}, PageOptions()),
      .run = [](const Args& args, Client& client) -> RunResult {
        ListDepartmentsRequest request;
        request.set_parent_id(args.GetOr("parent", ""));
        if (absl::Status s = ApplyPageOptions(args, &request); !s.ok()) return s;
        return client.Call(&Stub::ListDepartments, request, PrintDepartments);
      },
  });

  commands->push_back({
      .path = {"emp", "create"},
      .summary = "Create an employee",
      .options = Join(FieldOptionSpecs(EmployeeFields(), true),
                      std::vector<OptionSpec>{RequestIdOption()}),
      .run = [](const Args& args, Client& client) -> RunResult {
        CreateEmployeeRequest request;
        absl::Status s = ApplyFieldOptions(args, EmployeeFields(), request.mutable_employee());
        if (!s.ok()) return s;
        request.set_request_id(args.GetOr("request-id", ""));
        return client.Call(&Stub::CreateEmployee, request);
      },
      .details = "Example: opsctl emp create --name=张三 --dept=D1 --role-class=SALES "
                 "--manager=E1 --email=zs@example.com --locale=zh-CN --tz=Asia/Shanghai",
  });
  commands->push_back({
      .path = {"emp", "get"},
      .positional_usage = "ID...",
      .summary = "Show one employee, or several (BatchGetEmployees) as a table",
      .min_positionals = 1,
      .max_positionals = Command::kAny,
      .run = [](const Args& args, Client& client) -> RunResult {
        if (args.positionals().size() == 1) {
          GetEmployeeRequest request;
          request.set_id(args.positionals()[0]);
          return client.Call(&Stub::GetEmployee, request);
        }
        BatchGetEmployeesRequest request;
        for (const std::string& id : args.positionals()) request.add_ids(id);
        return client.Call(
            &Stub::BatchGetEmployees, request,
            [](const BatchGetEmployeesResponse& r) { PrintEmployeeTable(r.employees()); });
      },
  });
  commands->push_back({
      .path = {"emp", "list"},
      .summary = "List employees",
      .options =
          Join({{"dept", "ID", "this department and the departments below it"}}, PageOptions()),
      .run = [](const Args& args, Client& client) -> RunResult {
        ListEmployeesRequest request;
        request.set_department_id(args.GetOr("dept", ""));
        if (absl::Status s = ApplyPageOptions(args, &request); !s.ok()) return s;
        return client.Call(&Stub::ListEmployees, request, [](const ListEmployeesResponse& r) {
          PrintEmployeeTable(r.employees());
          PrintNextPage(r.next_page_token());
        });
      },
  });
  commands->push_back({
      .path = {"emp", "update"},
      .positional_usage = "ID",
      .summary = "Change an employee's fields (only those given)",
      .options =
          Join(FieldOptionSpecs(EmployeeFields(), false), std::vector<OptionSpec>{EtagOption()}),
      .min_positionals = 1,
      .max_positionals = 1,
      .run = [](const Args& args, Client& client) -> RunResult {
        UpdateEmployeeRequest request;
        Employee* employee = request.mutable_employee();
        absl::Status s =
            ApplyFieldOptions(args, EmployeeFields(), employee, request.mutable_update_mask());
        if (!s.ok()) return s;
        if (request.update_mask().paths().empty()) {
          return UsageError(NothingToChange(EmployeeFields()));
        }
        employee->set_id(args.positionals()[0]);
        employee->set_etag(args.GetOr("etag", ""));
        return client.Call(&Stub::UpdateEmployee, request);
      },
      .details = "Example: opsctl emp update E7 --dept=D2 --manager=E1 --etag=W/\"3\"",
  });
}

}  // namespace opsuite::opsctl
