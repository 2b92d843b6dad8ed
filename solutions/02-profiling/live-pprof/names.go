package livepprof

// The vocabulary the catalogue's product titles are made of. The load
// generator builds its search queries from the same words, so that most
// queries find something.
var (
	adjectives = []string{
		"Rustic", "Modern", "Vintage", "Compact", "Deluxe", "Classic", "Slim",
		"Foldable", "Heavy-Duty", "Minimal", "Nordic", "Industrial", "Cosy",
		"Portable", "Ergonomic", "Handmade", "Premium", "Everyday", "Retro",
		"Outdoor", "Stackable", "Adjustable", "Quiet", "Bright",
	}
	materials = []string{
		"Oak", "Walnut", "Bamboo", "Steel", "Aluminium", "Linen", "Wool",
		"Ceramic", "Glass", "Leather", "Cotton", "Marble", "Pine", "Rattan",
		"Copper", "Concrete",
	}
	// nouns maps each kind of product to the category it is sold under.
	nouns = []struct{ name, category string }{
		{"Coffee Table", "furniture"}, {"Desk", "furniture"}, {"Bookshelf", "furniture"},
		{"Stool", "furniture"}, {"Armchair", "furniture"}, {"Bench", "furniture"},
		{"Floor Lamp", "lighting"}, {"Desk Lamp", "lighting"}, {"Pendant Light", "lighting"},
		{"Lantern", "lighting"}, {"Mug", "kitchen"}, {"Teapot", "kitchen"},
		{"Cutting Board", "kitchen"}, {"Salad Bowl", "kitchen"}, {"Knife Block", "kitchen"},
		{"Throw Blanket", "textiles"}, {"Cushion Cover", "textiles"}, {"Rug", "textiles"},
		{"Bath Towel", "textiles"}, {"Planter", "garden"}, {"Watering Can", "garden"},
		{"Bird Feeder", "garden"}, {"Deck Chair", "garden"}, {"Wall Clock", "decor"},
		{"Picture Frame", "decor"}, {"Vase", "decor"}, {"Mirror", "decor"},
	}
	tagWords = []string{
		"gift", "bestseller", "eco", "new", "sale", "handcrafted", "limited",
		"family", "small-space", "pet-friendly", "waterproof", "giftwrap",
	}
)

// Vocabulary returns the lower-case words that product titles and tags are
// made of, for building search queries.
func Vocabulary() []string {
	var words []string
	for _, group := range [][]string{adjectives, materials, tagWords} {
		for _, w := range group {
			words = append(words, lowerASCII(w))
		}
	}
	for _, n := range nouns {
		words = append(words, lowerASCII(n.name))
	}
	return words
}

// Categories returns the names of the catalogue's categories, in order.
func Categories() []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range nouns {
		if !seen[n.category] {
			seen[n.category] = true
			out = append(out, n.category)
		}
	}
	return out
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
