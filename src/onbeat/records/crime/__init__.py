"""Crime reports (Home Office Counting Rules offences and outcomes) and keeping their victims
informed under the Victims' Code (right 6, with UK working-day deadlines)."""
