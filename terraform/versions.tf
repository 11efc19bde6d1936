terraform {
  # 1.9: a variable's validation may refer to other variables (reserved concurrency, alarm thresholds).
  required_version = ">= 1.9"

  required_providers {
    # The lowest provider with everything used: max_message_size up to 1 MiB (6.8.0; logging_config came
    # in 5.32.0, provided.al2023 in 5.26.0). A new major may rename or remove arguments: excluded until checked.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.8.0, < 7.0"
    }
  }
}

provider "aws" {
  region = var.region

  # Every resource gets the same tags from one map.
  default_tags {
    tags = var.tags
  }
}
