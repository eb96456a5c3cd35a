package catalog

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// RoutesFile holds the suggested routes through the katas, beside them.
const RoutesFile = "katas/routes.json"

// Route is a suggested path through the katas, e.g. a two-hour workshop.
type Route struct {
	// ID is how a learner names it: "self-study", "workshop", "onboarding".
	ID string `json:"id"`
	// Title and About describe it to a learner.
	Title string `json:"title"`
	About string `json:"about"`
	// Katas are the kata IDs in the order to take them.
	Katas []string `json:"katas"`
}

// routesMeta is the on-disk shape of katas/routes.json. A route that lists
// no katas takes every kata, easy to hard (level, then number): a team's
// own katas join it in their place.
type routesMeta struct {
	Format int `json:"format"`
	Routes []struct {
		ID    string   `json:"id"`
		Title string   `json:"title"`
		About string   `json:"about"`
		Katas []string `json:"katas"`
	} `json:"routes"`
}

// ByLevel returns every kata from easy to hard: by level (unstated levels
// last), then by number.
func (c *Catalog) ByLevel() []Kata {
	ks := slices.Clone(c.Katas)
	slices.SortStableFunc(ks, func(a, b Kata) int {
		la, lb := cmp.Or(a.Level, 6), cmp.Or(b.Level, 6)
		return cmp.Or(cmp.Compare(la, lb), cmp.Compare(a.Number, b.Number))
	})
	return ks
}

// Routes reads katas/routes.json. Without the file there is one route,
// "self-study", through every kata by level. Katas are named by number or
// ID, like on the command line; a route naming a kata that does not exist
// is an error.
func (c *Catalog) Routes() ([]Route, error) {
	all := func() []string {
		var ids []string
		for _, k := range c.ByLevel() {
			ids = append(ids, k.ID)
		}
		return ids
	}
	data, err := os.ReadFile(c.Path(RoutesFile))
	if errors.Is(err, fs.ErrNotExist) {
		return []Route{{ID: "self-study", Title: "Self-study", About: "every kata, easy to hard", Katas: all()}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read routes: %w", err)
	}
	var m routesMeta
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, &FieldError{File: RoutesFile, Msg: "not valid routes JSON: " + err.Error()}
	}
	if m.Format != 1 {
		return nil, &FieldError{File: RoutesFile, Field: "format", Msg: fmt.Sprintf("is %d, want 1", m.Format)}
	}
	var routes []Route
	for _, r := range m.Routes {
		if r.ID == "" || strings.TrimSpace(r.Title) == "" {
			return nil, &FieldError{File: RoutesFile, Field: "routes", Msg: "a route needs an id and a title"}
		}
		route := Route{ID: r.ID, Title: r.Title, About: r.About}
		if len(r.Katas) == 0 {
			route.Katas = all()
		}
		for _, name := range r.Katas {
			k, err := c.Resolve(name)
			if err != nil {
				return nil, &FieldError{File: RoutesFile, Field: "routes", Msg: fmt.Sprintf("route %q: %v", r.ID, err)}
			}
			route.Katas = append(route.Katas, k.ID)
		}
		routes = append(routes, route)
	}
	return routes, nil
}

// Route finds a route by ID ("" is the first route).
func (c *Catalog) Route(id string) (Route, error) {
	routes, err := c.Routes()
	if err != nil {
		return Route{}, err
	}
	if id == "" {
		return routes[0], nil
	}
	var ids []string
	for _, r := range routes {
		if r.ID == id {
			return r, nil
		}
		ids = append(ids, r.ID)
	}
	return Route{}, fmt.Errorf("no route %q; known: %s", id, strings.Join(ids, ", "))
}
