// Keyset pages: List queries fetch page_size + 1 rows of (id, body) ordered by id; the extra
// row says whether there is a next page, whose token carries the last id served.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/ids.h"
#include "common/storage/database.h"

namespace opsuite::storage {

// Fills a List response from rows of (id, body): at most `size` messages, each parsed into
// `add()`, and `*next_page_token` when more rows follow (queries fetch size + 1).
template <class AddFn>
absl::Status FillPage(const storage::Rows& rows, int size, absl::string_view what, AddFn add,
                      std::string* next_page_token) {
  for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(size); ++i) {
    if (!add()->ParseFromString(rows[i].Text(1))) {
      return absl::DataLossError(absl::StrCat("a ", what, " is stored corrupt"));
    }
  }
  if (rows.size() > static_cast<size_t>(size)) {
    *next_page_token = EncodePageToken(rows[size - 1].Text(0));
  }
  return absl::OkStatus();
}

}  // namespace opsuite::storage
