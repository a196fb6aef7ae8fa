print("simwatch")
