/// A PostgreSQL array literal of text (`{"a","b \"c\""}`), for binding
/// many values to one parameter (`unnest($1::text[])`): a batch is one
/// statement, not one a row.
func postgresArray(_ values: [String]) -> String {
    "{" + values.map { v in
        "\"" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }.joined(separator: ",") + "}"
}

func postgresArray(_ values: [Int64]) -> String {
    "{" + values.map(String.init).joined(separator: ",") + "}"
}

func postgresArray(_ values: [String?]) -> String {
    "{" + values.map { v in
        guard let v else { return "NULL" }
        return "\"" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }.joined(separator: ",") + "}"
}
